"""Cheap, stable 64-bit hashing: every random-looking property of the world is a pure function of the seed.

Python's ``hash()`` is salted per process and ``random.Random`` seeding costs microseconds, so the hot paths
(per-account-day video counts, follower edges, per-video statistics) use SplitMix64 over integers instead.
"""

from __future__ import annotations

MASK64 = (1 << 64) - 1
_INV_2_64 = 1.0 / float(1 << 64)


def mix64(x: int) -> int:
    """SplitMix64 finalizer: a bijection on 64-bit ints with good avalanche."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def h64(*parts: int) -> int:
    """Hash a tuple of ints (each folded into the state in order) to 64 bits."""
    x = 0x243F6A8885A308D3
    for p in parts:
        x = mix64(x ^ (p & MASK64))
    return x


def unit(*parts: int) -> float:
    """A float in [0, 1) determined by ``parts``."""
    return h64(*parts) * _INV_2_64


def str_key(s: str) -> int:
    """A stable int for a string (for mixing names into seeds)."""
    x = 0xCBF29CE484222325
    for b in s.encode():
        x = ((x ^ b) * 0x100000001B3) & MASK64
    return x
