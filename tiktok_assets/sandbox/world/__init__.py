"""The sandbox world: a deterministic synthetic TikTok, a pure function of ``(seed, size)``.

Modules, one concern each:
- ``core``: ``World``, composing the mixins below and owning construction and caches (and the id layout)
- ``model``: the records (Account, Video, Stats, ...), id-layout constants, sizes and small pure helpers
- ``accounts``, ``media`` (music, effects), ``videos``, ``playlists``, ``engagement`` (stats, comments),
  ``social`` (follows, likes, reposts, pins): the World mixins
- ``vocab``: the word lists names and texts draw from; ``hashing``: seeded 64-bit hashes; ``lru``: a
  thread-safe LRU map
- ``catalog``: cached read-only views over a world at an observation time (shared by EnsembleData and VCE)

The public names below are the way in: ``from tiktok_assets.sandbox.world import World, day_start``.
"""

from tiktok_assets.sandbox.world.core import World
from tiktok_assets.sandbox.world.model import (
    DAY,
    MAX_ACCOUNTS,
    MAX_PER_ACCOUNT_DAY,
    MAX_TOP_COMMENTS,
    MUSIC_BASE,
    PLAYLIST_BASE,
    SIZES,
    YEAR,
    Account,
    Comment,
    Edge,
    Effect,
    Music,
    Playlist,
    SizeSpec,
    Stats,
    Video,
    day_of,
    day_start,
    video_length_bucket,
)

__all__ = [
    "Account",
    "Comment",
    "DAY",
    "Edge",
    "Effect",
    "MAX_ACCOUNTS",
    "MAX_PER_ACCOUNT_DAY",
    "MAX_TOP_COMMENTS",
    "MUSIC_BASE",
    "Music",
    "PLAYLIST_BASE",
    "Playlist",
    "SIZES",
    "SizeSpec",
    "Stats",
    "Video",
    "World",
    "YEAR",
    "day_of",
    "day_start",
    "video_length_bucket",
]
