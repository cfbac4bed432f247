"""Search results kept per ``search_id``: the later pages of a video/query are a slice, not a new search."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from tiktok_assets.sandbox.world import Video
from tiktok_assets.sandbox.world.hashing import h64


@dataclass
class Search:
    search_id: str
    key: bytes  # the canonical query + dates the search was created for
    videos: list[Video]  # the matches found so far, id descending
    created_at: int  # sandbox clock
    created_wall: float  # monotonic seconds, for the search_id lag fault
    # The matches not found yet, one list per day (newest day first): a page runs only as much of the search
    # as it shows, plus one match to tell has_more. None once every day was read.
    rest: Iterator[list[Video]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def upto(self, n: int) -> list[Video]:
        """The matches, at least the first ``n`` of them found (all of them when there are fewer)."""
        with self._lock:
            while len(self.videos) < n and self.rest is not None:
                day = next(self.rest, None)
                if day is None:
                    self.rest = None
                else:
                    self.videos.extend(day)
            return self.videos


class SearchStore:
    """Search results kept per search_id, so later pages are a slice, not a new search.

    Bounded by searches and by videos held in total (a search keeps its Video objects alive even after the
    world's day cache dropped them), which keeps the large world's RSS bounded under many broad searches.
    """

    def __init__(self, seed: int, maxsize: int = 256, max_videos: int = 600_000) -> None:
        self.seed = seed
        self.maxsize, self.max_videos = maxsize, max_videos
        self._data: OrderedDict[str, Search] = OrderedDict()
        self._counter = 0
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            self._counter += 1
            n = self._counter
        return str(7_300_000_000_000_000_000 + h64(self.seed, 0x5EA4C, n) % 10**18)

    def put(self, s: Search) -> None:
        with self._lock:
            self._data[s.search_id] = s
            # Searches grow as they are paged, so what they hold is counted now, not when they were put.
            held = sum(len(x.videos) for x in self._data.values())
            while len(self._data) > 1 and (len(self._data) > self.maxsize or held > self.max_videos):
                _, old = self._data.popitem(last=False)
                held -= len(old.videos)

    def get(self, search_id: str) -> Search | None:
        with self._lock:
            s = self._data.get(search_id)
            if s is not None:
                self._data.move_to_end(search_id)
            return s
