"""Read-only views over a `World` at an observation time, cached per world.

The world is a pure function of its seed, so anything derived from (world, now) can be memoised: paging a
search costs one selection, not one scan per page. Shared by the EnsembleData and VCE emulators.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

_MAX_WORLDS = 4
_MAX_MEMO = 64


def epoch(now: Any) -> int:
    """The observation time as Unix seconds, whether the server hands us an int, a float or a datetime."""
    if isinstance(now, datetime):
        moment = now if now.tzinfo else now.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return int(now)


def utc_day(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


@dataclass(frozen=True)
class AccountStats:
    follower_count: int
    following_count: int
    video_count: int
    heart_count: int  # likes received on visible videos
    digg_count: int  # videos this account liked


class _Scan:
    """A backwards day scan in progress: what it found so far and the next day to read (None = complete)."""

    def __init__(self, day: date) -> None:
        self.items: list[Any] = []
        self.next_day: date | None = day
        self.lock = threading.Lock()


class Catalog:
    """Cached selections over one world. Thread-safe: the sandbox server is a ThreadingHTTPServer."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self._lock = threading.RLock()
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()  # computed outside the lock: two threads may both compute, same result
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > _MAX_MEMO:
                self._memo.popitem(last=False)
        return value

    # -- time ---------------------------------------------------------------------------------------------
    @staticmethod
    def visible(video: Any, now: int) -> bool:
        deleted = video.deleted_time
        return video.create_time <= now and (deleted is None or deleted > now)

    def is_private(self, account_index: int) -> bool:
        return bool(self.world.accounts[account_index].is_private)

    # -- videos ---------------------------------------------------------------------------------------------
    def scan(
        self,
        key: Hashable,
        now: int,
        keep: Callable[[Any], bool],
        *,
        need: int | None = None,
        since: int | None = None,
        public: bool = True,
    ) -> list[Any]:
        """Visible videos (of public accounts unless `public=False`) passing `keep`, newest first.

        Day by day backwards from the day of `now`, stopping at the world's start or before `since`, and as
        soon as `need` items are found: the large world holds millions of videos, so a page of a search only
        generates the days it reaches. Progress is memoised per (key, now), so page k+1 resumes the scan.
        """
        state = self.memo(("scan", key, now, since, public), lambda: _Scan(utc_day(now)))
        with state.lock:
            first: date = self.world.start_date
            while state.next_day is not None and (need is None or len(state.items) < need):
                day = state.next_day
                if day < first or (since is not None and day < utc_day(since)):
                    state.next_day = None
                    break
                for v in self.world.videos_on(day):
                    if (
                        self.visible(v, now)
                        and (since is None or v.create_time >= since)
                        and (not public or not self.is_private(v.author_index))
                        and keep(v)
                    ):
                        state.items.append(v)
                state.next_day = day - timedelta(days=1)
            return state.items[:need] if need is not None else list(state.items)

    def account_videos(self, account_index: int, now: int) -> Sequence[Any]:
        """One account's visible videos, newest first."""
        return self.memo(
            ("account_videos", account_index, now),
            lambda: tuple(v for v in self.world.account_videos(account_index, now) if self.visible(v, now)),
        )

    def video(self, video_id: int, now: int) -> Any | None:
        """The video if it exists and is visible at `now`."""
        video = self.world.video(video_id)
        return video if video is not None and self.visible(video, now) else None

    # -- accounts -------------------------------------------------------------------------------------------
    def account_stats(self, account_index: int, now: int) -> AccountStats:
        def build() -> AccountStats:
            videos = self.account_videos(account_index, now)
            return AccountStats(
                follower_count=len(self.world.followers(account_index, now)),
                following_count=len(self.world.following(account_index, now)),
                video_count=len(videos),
                heart_count=sum(self.world.stats(v, now).likes for v in videos),
                digg_count=len(self.world.liked(account_index, now)),
            )

        return self.memo(("account_stats", account_index, now), build)


_catalogs: OrderedDict[int, Catalog] = OrderedDict()
_catalogs_lock = threading.Lock()


def catalog(world: Any) -> Catalog:
    """The catalog of `world` (kept for the last few worlds; the entry holds the world so ids stay unique)."""
    with _catalogs_lock:
        found = _catalogs.get(id(world))
        if found is not None and found.world is world:
            _catalogs.move_to_end(id(world))
            return found
        made = Catalog(world)
        _catalogs[id(world)] = made
        while len(_catalogs) > _MAX_WORLDS:
            _catalogs.popitem(last=False)
        return made
