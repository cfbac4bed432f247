"""What the rest of the code location may call on each API client, as typed ``Protocol``s.

The Dagster assets, the resources and the fetch CLI are written against these, not against the concrete
classes, so a fake (tests) or another implementation fits as long as it offers the same calls:

- ``ResearchApi``: the Research API calls of the research assets and the fetch CLI (``ResearchClient``);
- ``EnsembleDataApi``: one call, a cursor walk, and one method per endpoint (``EnsembleDataClient``);
- ``VceApi``: one VCE query task run to its result (``VceClient``).

``runtime_checkable`` lets ``isinstance`` check that the methods exist; the test
tests/clients/test_clients_protocols.py also holds each real client's signatures to these (names, kinds,
defaults, types).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol, runtime_checkable

from tiktok_assets.clients.pages import Page, ResumeState, UserInfoResult


@runtime_checkable
class ResearchApi(Protocol):
    """The TikTok Research API as the research assets and the fetch CLI use it."""

    def iter_videos(
        self,
        query: Mapping[str, Any],
        start_date: date | str,
        end_date: date | str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        *,
        resume: ResumeState | None = None,
    ) -> Iterator[Page]:
        """Pages of one search (≤ ``planner.MAX_WINDOW_DAYS`` days), newest first, narrowed by ``resume``."""
        ...

    def user_info(
        self, username: str, fields: Sequence[str] | None = None, *, missing_ok: bool = False
    ) -> UserInfoResult:
        """A profile; with ``missing_ok`` an unavailable account is a result whose ``status`` says why."""
        ...

    def iter_comments(
        self,
        video_id: int,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def iter_replies(
        self,
        comment_id: int,
        video_id: int | None = None,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def iter_playlist(self, playlist_id: int, max_count: int = 100) -> Iterator[Page]: ...

    def iter_followers(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]: ...

    def iter_following(
        self, username: str, max_count: int = 100, cursor: int | None = None
    ) -> Iterator[Page]: ...

    def iter_liked(
        self,
        username: str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def iter_reposted(
        self,
        username: str,
        fields: Sequence[str] | None = None,
        max_count: int = 100,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def pinned(self, username: str, fields: Sequence[str] | None = None) -> Page: ...

    def iter_endpoint(
        self,
        path: str,
        params: Mapping[str, Any],
        fields: Sequence[str] | None = None,
        resume: ResumeState | None = None,
        cursor: Any = None,
    ) -> Iterator[Page]:
        """Any endpoint by its API path with its body params (the fetch CLI)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class EnsembleDataApi(Protocol):
    """EnsembleData's TikTok endpoints: ``call``/``iter_pages`` by path, or one method per endpoint."""

    def call(self, path: str, params: Mapping[str, Any]) -> Page:
        """One request; ``Page.records`` from whichever envelope variant the endpoint uses."""
        ...

    def iter_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """Follow the endpoint's cursor to the end (one call for unpaged endpoints)."""
        ...

    def next_params(self, path: str, params: Mapping[str, Any], page: Page) -> dict[str, Any] | None:
        """The parameters of the call after ``page``, or None when it was the last (for resumable walks)."""
        ...

    def iter_hashtag_posts(self, name: str, cursor: int | None = None) -> Iterator[Page]: ...

    def hashtag_recent_posts(self, name: str, days: int, max_cursor: int | None = None) -> Page: ...

    def iter_keyword_search(
        self,
        name: str,
        period: int,
        *,
        sorting: int | None = None,
        country: str | None = None,
        match_exactly: bool | None = None,
        get_author_stats: bool | None = None,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def keyword_full_search(
        self,
        name: str,
        period: int,
        *,
        sorting: int | None = None,
        country: str | None = None,
        match_exactly: bool | None = None,
    ) -> Page: ...

    def iter_user_posts(
        self,
        username: str | None = None,
        depth: int = 1,
        *,
        sec_uid: str | None = None,
        oldest_createtime: int | None = None,
        trim: bool = True,
        start_cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def user_posts(
        self,
        username: str | None = None,
        depth: int = 1,
        oldest_createtime: int | None = None,
        trim: bool = True,
        *,
        sec_uid: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def user_info(self, username: str) -> dict[str, Any]: ...

    def user_info_from_secuid(
        self, sec_uid: str, alternative_method: bool | None = None
    ) -> dict[str, Any]: ...

    def iter_user_search(self, keyword: str, cursor: int | None = None) -> Iterator[Page]: ...

    def iter_liked_posts(self, sec_uid: str, cursor: int | None = None) -> Iterator[Page]: ...

    def iter_followers(
        self, user_id: int | str | None = None, sec_uid: str | None = None, cursor: int | None = None
    ) -> Iterator[Page]: ...

    def iter_followings(
        self,
        user_id: int | str | None = None,
        sec_uid: str | None = None,
        cursor: int | None = None,
        page_token: str | None = None,
    ) -> Iterator[Page]: ...

    def post_info(self, url: str) -> list[dict[str, Any]]: ...

    def multi_post_info(self, ids: Sequence[int | str]) -> list[dict[str, Any]]: ...

    def iter_post_comments(self, aweme_id: int | str, cursor: int | None = None) -> Iterator[Page]: ...

    def iter_comment_replies(
        self, aweme_id: int | str, comment_id: int | str, cursor: int | None = None
    ) -> Iterator[Page]: ...

    def iter_music_search(
        self,
        name: str,
        *,
        sorting: int | None = None,
        filter_by: int | None = None,
        cursor: int | None = None,
    ) -> Iterator[Page]: ...

    def iter_music_posts(self, music_id: int | str, cursor: int | None = None) -> Iterator[Page]: ...

    def music_details(self, music_id: int | str) -> dict[str, Any]: ...

    def used_units(self, day: date | str) -> Any: ...

    def usage_history(self, days: int) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


@runtime_checkable
class VceApi(Protocol):
    """TikTok's Virtual Compute Environment: one query task, created, awaited and read."""

    def run(
        self,
        category: str,
        condition_groups: Sequence[Mapping[str, Any]],
        fields: Sequence[str] | str,
        limit: int | None = None,
        poll_interval: float | None = None,
        timeout: float | None = None,
    ) -> list[dict[str, Any]]:
        """The task's records; it is cancelled on timeout or interrupt."""
        ...
