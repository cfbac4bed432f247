"""Search results kept per ``search_id``: the later pages of a video/query are a slice, not a new search."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from tiktok_assets.sandbox.world import Video
from tiktok_assets.sandbox.world.hashing import h64


@dataclass
class Search:
    search_id: str
    key: bytes  # the canonical query + dates the search was created for
    videos: list[Video]
    created_at: int  # sandbox clock
    created_wall: float  # monotonic seconds, for the search_id lag fault


class SearchStore:
    """Search results kept per search_id, so later pages are a slice, not a new search.

    Bounded by searches and by videos held in total (a search keeps its Video objects alive even after the
    world's day cache dropped them), which keeps the large world's RSS bounded under many broad searches.
    """

    def __init__(self, seed: int, maxsize: int = 256, max_videos: int = 600_000) -> None:
        self.seed = seed
        self.maxsize, self.max_videos = maxsize, max_videos
        self._data: OrderedDict[str, Search] = OrderedDict()
        self._held = 0
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
            self._held += len(s.videos)
            while len(self._data) > 1 and (len(self._data) > self.maxsize or self._held > self.max_videos):
                _, old = self._data.popitem(last=False)
                self._held -= len(old.videos)

    def get(self, search_id: str) -> Search | None:
        with self._lock:
            s = self._data.get(search_id)
            if s is not None:
                self._data.move_to_end(search_id)
            return s
