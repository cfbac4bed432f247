"""Paging rules shared by the EnsembleData endpoints.

Two kinds of cursor: an offset into a deterministic selection (searches, comments, music posts, liked posts),
and a time cursor (user posts, followers) where a page never splits one second, so "older than the cursor"
can neither skip nor repeat an item. On a moving clock, an offset over a newest-first selection can repeat
an item when new ones arrive between pages (never skip one): clients should dedupe by key, as for the real API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def offset_page(items: Sequence[T], cursor: int, size: int) -> tuple[Sequence[T], int | None]:
    """Items `cursor..cursor+size` and the next cursor (None at the end)."""
    chunk = items[cursor : cursor + size]
    following = cursor + len(chunk)
    return chunk, (following if following < len(items) else None)


def time_chunk(items: Sequence[T], start: int, size: int, time_of: Callable[[T], int]) -> int:
    """End index of the chunk starting at `start`: `size` items, extended so it ends on a second boundary."""
    end = min(start + size, len(items))
    while 0 < end < len(items) and time_of(items[end]) == time_of(items[end - 1]):
        end += 1
    return end


def first_older(items: Sequence[T], cursor_seconds: int, time_of: Callable[[T], int]) -> int:
    """Index of the first item (newest first) strictly older than `cursor_seconds`."""
    lo, hi = 0, len(items)
    while lo < hi:  # items are sorted by time descending
        mid = (lo + hi) // 2
        if time_of(items[mid]) >= cursor_seconds:
            lo = mid + 1
        else:
            hi = mid
    return lo
