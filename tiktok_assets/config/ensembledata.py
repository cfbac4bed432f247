"""The EnsembleData part of monitoring.yaml (``ensembledata:``): what its assets ask the API, and what they may
spend. Accounts, hashtags and keywords are the file's shared lists; this part adds the sounds, tracked post
URLs, search parameters, the daily units budget and the cross-source reconciliation threshold. Every error
names its key (``ensembledata.keyword_search.period``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tiktok_assets.config.research import CommentSettings, comment_settings
from tiktok_assets.config.validation import REGION, Validator

PERIODS = (0, 1, 7, 30, 90, 180)  # keyword search `period` (days back; 0 = all time), as the API accepts
KEYWORD_SORTING = (0, 1)  # 0 relevance, 1 likes
MUSIC_SORTING = (0, 1, 2, 3, 4)  # relevance, most used, most recent, shortest, longest
MUSIC_FILTER = (0, 1, 2)  # none, music only, creators only
SEC_UID = re.compile(r"^MS4wLjABAAAA[A-Za-z0-9_-]+$")
POST_URL = re.compile(r"^https://(?:www\.)?tiktok\.com/@[A-Za-z0-9._]+/video/\d{1,20}$")
MUSIC_ID = re.compile(r"^\d{1,20}$")
ED_COMMENTS = CommentSettings(replies=False, max_videos_per_day=5)  # defaults: replies cost a unit a page

_KEYS = (
    "daily_units", "sec_uids", "music", "post_urls", "keyword_search", "music_search", "hashtag_recent_days",
    "posts_per_day", "refresh_days", "comments", "reconciliation",
)  # fmt: skip


@dataclass(frozen=True)
class KeywordSearch:
    period: int = 30
    sorting: int = 0
    country: str | None = None
    match_exactly: bool = False

    def params(self) -> dict[str, Any]:
        """The request parameters these settings fill (None: not sent)."""
        return {"period": self.period, "sorting": self.sorting, "country": self.country,
                "match_exactly": self.match_exactly}  # fmt: skip


@dataclass(frozen=True)
class MusicSearch:
    sorting: int = 0
    filter_by: int = 0


@dataclass(frozen=True)
class EnsembleDataSettings:
    # Units per UTC day this project may spend (the ledger refuses a call beyond it); None: the plan's limit.
    daily_units: int | None = None
    sec_uids: Mapping[str, str] = field(default_factory=dict)  # account → secUid: use the secUid endpoints
    music: tuple[str, ...] = ()  # monitored sound ids: one `music` partition each
    post_urls: tuple[str, ...] = ()  # posts tracked by URL (post/info) in every post_stats partition
    keyword_search: KeywordSearch = field(default_factory=KeywordSearch)
    music_search: MusicSearch = field(default_factory=MusicSearch)
    hashtag_recent_days: int = 7  # Full Hashtag Search looks this many days back
    posts_per_day: float = 1.0  # expected posts per account and day: what the forecast assumes
    refresh_days: int = 7  # post_stats re-observes the posts created in the last N days
    # Each comment page costs a unit: only the most-commented posts of each day (as for Research comments).
    comments: CommentSettings = field(
        default_factory=lambda: CommentSettings(replies=False, max_videos_per_day=5)
    )
    # video_source_reconciliation's check fails when more than this share of videos is seen by one source only.
    max_coverage_gap: float = 0.05


def _choice(v: Validator, value: Any, key: str, allowed: tuple[int, ...]) -> int:
    number = v.integer(value, key, min(allowed))
    if number not in allowed:
        raise v.fail(key, f"{number} is not one of {', '.join(map(str, allowed))}")
    return number


def _share(v: Validator, value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise v.fail(key, f"expected a share between 0 and 1, got {value!r}")
    return float(value)


def _keyword_search(v: Validator, raw: Any) -> KeywordSearch:
    k = "ensembledata.keyword_search"
    spec = v.mapping(raw or {}, k, ("period", "sorting", "country", "match_exactly"))
    d = KeywordSearch()
    country = spec.get("country")
    if country is not None and (not isinstance(country, str) or not REGION.match(country)):
        raise v.fail(f"{k}.country", f"expected an ISO 3166 alpha-2 code such as US, got {country!r}")
    return KeywordSearch(
        period=_choice(v, spec.get("period", d.period), f"{k}.period", PERIODS),
        sorting=_choice(v, spec.get("sorting", d.sorting), f"{k}.sorting", KEYWORD_SORTING),
        country=country,
        match_exactly=v.boolean(spec.get("match_exactly", d.match_exactly), f"{k}.match_exactly"),
    )


def _music_search(v: Validator, raw: Any) -> MusicSearch:
    k = "ensembledata.music_search"
    spec = v.mapping(raw or {}, k, ("sorting", "filter_by"))
    return MusicSearch(
        sorting=_choice(v, spec.get("sorting", 0), f"{k}.sorting", MUSIC_SORTING),
        filter_by=_choice(v, spec.get("filter_by", 0), f"{k}.filter_by", MUSIC_FILTER),
    )


def _sec_uids(v: Validator, raw: Any, accounts: tuple[str, ...]) -> dict[str, str]:
    k = "ensembledata.sec_uids"
    spec = v.mapping(raw or {}, k, accounts)  # only monitored accounts
    for name, sec_uid in spec.items():
        if not isinstance(sec_uid, str) or not SEC_UID.match(sec_uid):
            raise v.fail(f"{k}.{name}", f"expected a secUid (MS4wLjABAAAA…), got {sec_uid!r}")
    return dict(spec)


def ensembledata_settings(v: Validator, raw: Any, accounts: tuple[str, ...]) -> EnsembleDataSettings:
    spec = v.mapping(raw or {}, "ensembledata", _KEYS)
    d = EnsembleDataSettings()
    units = spec.get("daily_units")
    music_raw = spec.get("music")
    if music_raw is not None and not isinstance(music_raw, list):
        raise v.fail("ensembledata.music", f"expected a list of sound ids, got {type(music_raw).__name__}")
    music = v.strings(
        [str(m) for m in music_raw or []], "ensembledata.music", MUSIC_ID
    )  # YAML reads ids as ints
    recon = v.mapping(spec.get("reconciliation") or {}, "ensembledata.reconciliation", ("max_coverage_gap",))
    return EnsembleDataSettings(
        daily_units=None if units is None else v.integer(units, "ensembledata.daily_units", 1),
        sec_uids=_sec_uids(v, spec.get("sec_uids"), accounts),
        music=music,
        post_urls=v.strings(spec.get("post_urls"), "ensembledata.post_urls", POST_URL),
        keyword_search=_keyword_search(v, spec.get("keyword_search")),
        music_search=_music_search(v, spec.get("music_search")),
        hashtag_recent_days=v.integer(spec.get("hashtag_recent_days", d.hashtag_recent_days), "ensembledata.hashtag_recent_days", 1),
        posts_per_day=_positive(v, spec.get("posts_per_day", d.posts_per_day), "ensembledata.posts_per_day"),
        refresh_days=v.integer(spec.get("refresh_days", d.refresh_days), "ensembledata.refresh_days", 1),
        comments=comment_settings(v, spec.get("comments"), "ensembledata.comments", ED_COMMENTS),
        max_coverage_gap=_share(v, recon.get("max_coverage_gap", d.max_coverage_gap),
                                "ensembledata.reconciliation.max_coverage_gap"),
    )  # fmt: skip


def _positive(v: Validator, value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise v.fail(key, f"expected a positive number, got {value!r}")
    return float(value)
