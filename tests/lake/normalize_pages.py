"""Real sandbox pages of every dataset of every source, as ``normalize`` receives them from the collectors.

Fetched over HTTP from one sandbox (small world, seed 7) with the record faults on (``bad_text``: lone
surrogates and bytes that are not UTF-8; ``oversized_id``: 20-digit ids), so pages carry repaired text and ids
that must be quarantined. EnsembleData records go through their declared shapes first (``SHAPES``), as the
assets do; VCE records are the task's result rows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.ensembledata_endpoints import endpoint_for
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce import VceClient, make_rqs
from tiktok_assets.endpoints import ensembledata as ed_endpoints
from tiktok_assets.endpoints import research as research_endpoints
from tiktok_assets.endpoints.ensembledata import SHAPES
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.datasets import vce as vce_ds
from tiktok_assets.sandbox.testing import running_sandbox

sys.path.insert(0, str(Path(__file__).parents[1] / "clients"))
from tests_clients_support import subjects  # noqa: E402

FAULTS = {"bad_text": 0.3, "oversized_id": 0.2}
MAX_PAGES = 3  # per endpoint: enough rows of each shape, a short test


@dataclass(frozen=True)
class SandboxPage:
    label: str  # source and path, for a failing test's message
    dataset: Dataset
    records: list[dict[str, Any]]
    repaired: int


def fetch_pages() -> list[SandboxPage]:
    with running_sandbox(faults=FAULTS) as sb:
        return [*_research(sb), *_ensembledata(sb), *_vce(sb)]


def _first(pages: Iterator[Any]) -> Iterator[Any]:
    for i, page in enumerate(pages):
        if i >= MAX_PAGES:
            return
        yield page


def _research(sb: Any) -> Iterator[SandboxPage]:
    s = subjects()
    fyp = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
    params = {
        "video/query": {"query": fyp, "start_date": "20260501", "end_date": "20260510"},
        "video/comment/list": {"video_id": s.video_with_comments},
        "playlist/info": {"playlist_id": s.playlist},
        "user/info": {"username": s.account},
        "user/followers": {"username": s.account},
        "user/following": {"username": s.account},
        "user/liked_videos": {"username": s.liker},
        "user/pinned_videos": {"username": s.account},
        "user/reposted_videos": {"username": s.liker},
    }
    client = ResearchClient(
        sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast(lambda s: None)
    )
    try:
        for ep in research_endpoints.ENDPOINTS:
            for page in _first(client.iter_endpoint(ep.path, params[ep.path])):
                yield SandboxPage(f"research {ep.path}", ep.dataset, page.records, page.repaired)
        for username in (s.private, s.refused):  # rows that say why there is no profile
            if username:
                for page in client.iter_endpoint("user/info", {"username": username}):
                    yield SandboxPage("research user/info (unavailable)", research_endpoints.USER_INFO.dataset,
                                      page.records, page.repaired)  # fmt: skip
    finally:
        client.close()


def _ensembledata(sb: Any) -> Iterator[SandboxPage]:
    s = subjects()
    fill = {"name": "cat", "keyword": s.account[:4], "secUid": s.account_secuid, "music_id": s.music,
            "username": s.account, "aweme_id": s.account_video, "ids": str(s.account_video),
            "url": f"https://www.tiktok.com/@{s.account}/video/{s.account_video}", "id": s.music,
            "days": 3, "date": "2026-06-14", "period": 7, "depth": 1}  # fmt: skip
    client = EnsembleDataClient(sb.ed_token, sb.ensembledata_url, policy=RetryPolicy.fast(lambda s: None))
    try:
        for ep in (
            *ed_endpoints.ENDPOINTS,
            ed_endpoints.USER_POSTS_BY_SECUID,
            ed_endpoints.USER_INFO_BY_SECUID,
        ):
            names = {ep.fills, *endpoint_for(ep.path).required}
            params = {k: fill[k] for k in names if k in fill}
            if ep.path == "tt/music/info":  # a sound search by the title of a sound of the world
                params["name"] = client.call("tt/music/details", {"id": s.music}).records[0]["title"]
            for page in _first(client.iter_pages(ep.path, params)):
                rows = [SHAPES[ep.path].row(r) for r in page.records]
                yield SandboxPage(f"ensembledata {ep.path}", ep.dataset, rows, page.repaired)
    finally:
        client.close()


def _vce(sb: Any) -> Iterator[SandboxPage]:
    s = subjects()
    client = VceClient(make_rqs(sb.vce_url), poll_interval=0.0)

    def where(field: str, value: Any) -> list[dict[str, Any]]:
        cond = {"field": field, "operator": "EQ", "field_values": [str(value)]}
        return [{"operator": "and", "conditions": [cond]}]

    from tiktok_assets.endpoints.vce import COMMENT_FIELDS, VIDEO_FIELDS

    videos = client.run("video", where("username", s.account), list(VIDEO_FIELDS), limit=500)
    yield SandboxPage("vce video", vce_ds.VIDEOS, videos, 0)
    comments = client.run(
        "comment", where("video_id", s.video_with_comments), list(COMMENT_FIELDS), limit=500
    )
    yield SandboxPage("vce comment", vce_ds.COMMENTS, comments, 0)


COLLECTED_AT = datetime(2026, 6, 15, 12, tzinfo=UTC)
