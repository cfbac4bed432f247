"""Injected faults, deterministic given the seed and the order of requests.

Each data request gets a number from a counter; whether fault kind K hits request n is
``unit(seed, n, K) < p(K)`` — so a sequential client sees the same faults on every run. The record kinds
(``RECORD_KINDS``: hostile bytes, ``research.hostile``) hit a record, not a request: ``unit(seed, key, K)``,
so the same record is hostile on every page and every retry.
"""

from __future__ import annotations

import threading

from tiktok_assets.sandbox.world.hashing import str_key, unit

# Probabilities (0..1) per request.
PROBABILITY_KINDS = (
    "internal_error",  # 500 that still costs quota (Research: likelier for long video/query date ranges)
    "internal_error_400",  # Research: 400 "Something went wrong. Please try again later." (field)
    "gateway_timeout_html",  # 504 with an HTML body
    "invalid_cursor",  # 400 "Invalid count or cursor" on a page that carries a cursor (Research)
    "rate_limit",  # 429 as if the per-minute limit had tripped
    "connection_reset",  # the socket is closed without an answer
    "truncated_body",  # Content-Length promises more than is sent
    "bad_text",  # Research: a record's text ends in a lone surrogate or bytes that are not UTF-8 (per record)
    "oversized_id",  # Research: a record's id is a 20-digit integer beyond int64 (per record)
)
RECORD_KINDS = ("bad_text", "oversized_id")
# Durations / amounts.
VALUE_KINDS = (
    "search_id_lag",  # seconds (wall time) a fresh search_id is rejected as invalid or expired
    "latency_ms",  # added to every data response
)
ALL_KINDS = PROBABILITY_KINDS + VALUE_KINDS


def parse_faults_arg(text: str) -> dict[str, float]:
    """``kind=p,kind=p`` (CLI form) -> dict; unknown kinds are an error."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        out[kind.strip()] = float(value)
    validate(out)
    return out


def validate(faults: dict[str, float]) -> None:
    for kind, value in faults.items():
        if kind not in ALL_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(ALL_KINDS)}")
        if kind in PROBABILITY_KINDS and not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"fault {kind} is a probability, got {value}")
        if kind in VALUE_KINDS and float(value) < 0:
            raise ValueError(f"fault {kind} must be >= 0, got {value}")


class FaultPlan:
    def __init__(self, seed: int, faults: dict[str, float] | None = None) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._faults: dict[str, float] = {}
        self.set(faults or {})

    def set(self, faults: dict[str, float]) -> None:
        """Replace the whole plan (kinds not named are off)."""
        clean = {k: float(v) for k, v in faults.items()}
        validate(clean)
        with self._lock:
            self._faults = clean

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._faults)

    def hits(self, kind: str, request_no: int, scale: float = 1.0) -> bool:
        """Whether fault ``kind`` hits request ``request_no``; ``scale`` multiplies the probability."""
        p = self._faults.get(kind, 0.0) * scale
        return p > 0 and unit(self.seed, request_no, str_key(kind)) < p

    def hits_record(self, kind: str, key: int) -> bool:
        """Whether record kind ``kind`` hits the record with this key (its id, or a hash of its name)."""
        p = self._faults.get(kind, 0.0)
        return p > 0 and unit(self.seed, 0x5EC0, key, str_key(kind)) < p

    def draw_record(self, kind: str, key: int) -> float:
        return unit(self.seed, 0x5EC0, key, str_key(kind), 1)

    def draw(self, kind: str, request_no: int) -> float:
        """A second uniform for the same request (to pick among variants of a fault)."""
        return unit(self.seed, request_no, str_key(kind), 1)

    def value(self, kind: str) -> float:
        return self._faults.get(kind, 0.0)
