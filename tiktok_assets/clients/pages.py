"""What a page iterator yields, and the resume state of a video search. Plain data, shared by the clients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


@dataclass
class Page:
    """One API page. ``records`` are in the API's own shape (NULs stripped, big ints exact).

    ``requests``: HTTP requests this page cost, retries included. ``skipped``: records dropped because a
    resume said they were already stored. ``units``: EnsembleData units charged for it. ``repaired``: bad
    characters (not UTF-8, lone surrogates) replaced by U+FFFD in its records.
    """

    records: list[dict[str, Any]]
    cursor: Any = None
    has_more: bool = False
    search_id: str | None = None
    requests: int = 1
    skipped: int = 0
    units: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    repaired: int = 0


VideoPage = Page


@dataclass(frozen=True)
class UserInfoResult:
    """A profile, or why there is none: ``status`` is ``ok``, ``private``, ``not_found`` or ``refused``."""

    username: str
    status: str
    data: Mapping[str, Any]
    requests: int = 1
    repaired: int = 0  # bad characters replaced by U+FFFD

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_record(self) -> dict[str, Any]:
        """The lake's ``user_info`` row shape: ``username`` and ``status`` beside the API fields."""
        return {**self.data, "username": self.username, "status": self.status}


def id_create_time(video_id: int) -> int:
    """TikTok video ids carry their creation second in the high bits (``id >> 32``)."""
    return int(video_id) >> 32


@dataclass(frozen=True)
class ResumeState:
    """Where an interrupted video search stands: the oldest video already stored.

    Results come in decreasing id order and ids grow with time, so what is left is the same query over
    ``[start_date, day of oldest_create_time]``, keeping only ids below ``oldest_id``. No search_id is kept:
    an old one cannot be trusted (it expires), and the narrowed query needs none.
    """

    oldest_id: int
    oldest_create_time: int | None = None

    @property
    def create_time(self) -> int:
        return (
            self.oldest_create_time if self.oldest_create_time is not None else id_create_time(self.oldest_id)
        )

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.create_time, UTC).date()

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], previous: ResumeState | None = None
    ) -> ResumeState | None:
        """The state after storing ``records`` (any order), starting from ``previous``."""
        best = previous
        for r in records:
            vid = r.get("id", r.get("video_id"))
            if vid is None:
                continue
            vid = int(vid)
            if best is None or vid < best.oldest_id:
                ct = r.get("create_time")
                best = cls(vid, int(ct) if ct is not None else None)
        return best
