"""An in-memory Research API client with the ``ResearchApi`` surface (clients/protocols.py), for wiring tests
without HTTP; ``tests/assets/test_fakes.py`` holds it to the Protocol.

Videos: ``per_day`` videos a day, ids ``create_time << 32 | n`` (ids grow with time, like the API), returned
newest first in pages of ``max_count``. The sandbox-backed tests cover the real client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tiktok_assets.clients.errors import UserUnavailableError
from tiktok_assets.clients.pages import Page, ResumeState, UserInfoResult
from tiktok_assets.defs.research.resources import ResearchApiResource


@dataclass
class FakeClient:
    per_day: int = 7
    calls: list[tuple] = field(default_factory=list)
    fail_after_pages: int | None = None  # raise QuotaExhaustedError after this many video pages
    pages_served: int = 0

    def _videos(self, start: date, end: date) -> list[dict[str, Any]]:
        out = []
        day = start
        while day <= end:
            base = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
            for n in range(self.per_day):
                ct = base + 3_000 * n + 17
                out.append({"id": ct << 32 | n, "create_time": ct, "username": f"user{n % 3}",
                            "comment_count": n, "view_count": 10 * n, "playlist_id": 900 + n if n % 4 == 0 else None,
                            "hashtag_names": ["cat"]})  # fmt: skip
            day += timedelta(days=1)
        return sorted(out, key=lambda r: -r["id"])

    def iter_videos(self, query: Mapping[str, Any], start_date: date | str, end_date: date | str,
                    fields: Sequence[str] | None = None, max_count: int = 100, *,
                    resume: ResumeState | None = None) -> Iterator[Page]:  # fmt: skip
        if resume is not None:  # the real client's narrowing: up to the oldest stored video, ids below it
            end_date = min(end_date, resume.day)
        self.calls.append(("iter_videos", start_date.strftime("%Y%m%d"), end_date.strftime("%Y%m%d")))
        rows = self._videos(start_date, end_date)
        if resume is not None:
            rows = [r for r in rows if r["id"] < resume.oldest_id]
        for i in range(0, max(len(rows), 1), max_count):
            if self.fail_after_pages is not None and self.pages_served >= self.fail_after_pages:
                from tiktok_assets.clients.errors import QuotaExhaustedError

                raise QuotaExhaustedError("daily quota spent", resets_at=datetime(2030, 1, 1, tzinfo=UTC))
            self.pages_served += 1
            yield Page(rows[i : i + max_count], has_more=i + max_count < len(rows))

    def iter_comments(self, video_id: int, fields: Sequence[str] | None = None, max_count: int = 100,
                      cursor: int | None = None) -> Iterator[Page]:  # fmt: skip
        self.calls.append(("iter_comments", video_id))
        ct = video_id >> 32
        yield Page([{"id": video_id + 1_000 + k, "video_id": video_id, "parent_comment_id": video_id,
                     "create_time": ct + 60 * k, "like_count": k, "reply_count": 1 if k == 0 else 0, "text": "hi"}
                    for k in range(3)])  # fmt: skip

    def iter_replies(self, comment_id: int, video_id: int | None = None, fields: Sequence[str] | None = None,
                     max_count: int = 100, cursor: int | None = None) -> Iterator[Page]:  # fmt: skip
        self.calls.append(("iter_replies", comment_id))
        yield Page([{"id": comment_id + 500, "video_id": comment_id - 1_000, "parent_comment_id": comment_id,
                     "create_time": ((comment_id - 1_000) >> 32) + 5, "like_count": 0, "reply_count": 0}])  # fmt: skip

    def iter_playlist(self, playlist_id: int, max_count: int = 100) -> Iterator[Page]:
        self.calls.append(("iter_playlist", playlist_id))
        yield Page([{"playlist_id": playlist_id, "playlist_name": "p", "playlist_item_total": 3,
                     "playlist_last_updated": 1_777_000_000, "playlist_video_ids": [1, 2]}], has_more=True)  # fmt: skip
        yield Page([{"playlist_id": playlist_id, "playlist_video_ids": [3]}])

    def user_info(
        self, username: str, fields: Sequence[str] | None = None, *, missing_ok: bool = False
    ) -> UserInfoResult:
        self.calls.append(("user_info", username))
        if username == "private_one":
            return UserInfoResult(username, "private", {})
        return UserInfoResult(
            username, "ok", {"display_name": username.upper(), "follower_count": 5, "likes_count": 1}
        )

    def iter_followers(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]:
        if username == "private_one":
            raise UserUnavailableError(username, "private")
        yield Page([{"username": f"f{i}", "display_name": "F"} for i in range(4)])

    def iter_following(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]:
        yield Page([{"username": "x", "display_name": "X"}, {"username": "x", "display_name": "X"}])

    def iter_liked(self, username: str, fields: Sequence[str] | None = None, max_count: int = 100,
                   cursor: int | None = None) -> Iterator[Page]:  # fmt: skip
        yield Page(self._videos(date(2026, 1, 1), date(2026, 1, 1))[:3])

    def iter_reposted(self, username: str, fields: Sequence[str] | None = None, max_count: int = 100,
                      cursor: int | None = None) -> Iterator[Page]:  # fmt: skip
        yield Page([])

    def pinned(self, username: str, fields: Sequence[str] | None = None) -> Page:
        return Page(self._videos(date(2026, 1, 2), date(2026, 1, 2))[:1])

    def iter_endpoint(self, path: str, params: Mapping[str, Any], fields: Sequence[str] | None = None,
                      resume: ResumeState | None = None, cursor: Any = None) -> Iterator[Page]:  # fmt: skip
        """The generic entry the account assets use: dispatch to this fake's per-endpoint methods."""
        username = params["username"]
        if path == "user/pinned_videos":
            yield self.pinned(username)
            return
        method = {"user/followers": self.iter_followers, "user/following": self.iter_following,
                  "user/liked_videos": self.iter_liked, "user/reposted_videos": self.iter_reposted}[path]  # fmt: skip
        yield from method(username)

    def close(self) -> None:
        pass


class FakeResearchResource(ResearchApiResource):
    """Hands out one shared FakeClient (held in a class registry so tests can inspect calls)."""

    name: str = "default"

    def client(self) -> FakeClient:
        return CLIENTS.setdefault(self.name, FakeClient())

    def quota_left(self) -> dict[str, int]:
        return {"video": 1000 - CLIENTS.setdefault(self.name, FakeClient()).pages_served}


CLIENTS: dict[str, FakeClient] = {}
