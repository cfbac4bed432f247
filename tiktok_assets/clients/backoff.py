"""Retry and backoff as a named, configurable policy: how often and how long one request is retried.

One policy governs a whole request, whatever goes wrong in it: waits start short and grow
(``base_delay × multiplier^(n-1)``, at most ``max_delay`` each, jittered), and the request gives up after
``max_attempts`` attempts or once another wait would take the total past ``max_total_wait``. A server's
``Retry-After`` is honoured (within the same total). Faults that come in bursts (an outage) meet long waits;
the random faults of a busy API meet many short retries, which is what the attempt count is for.

Named presets (``PRESETS``): ``standard`` (the default, for the real APIs), ``patient`` (unattended
backfills that should ride out a long outage) and ``sandbox`` (the local sandbox: the same counts, waits of
tens of milliseconds). Choose one, with overrides, as a spec ``"<name>[,field=value…]"`` — in the resource
config (``ResearchApiResource.retry_policy``) or the ``TIKTOK_RETRY_POLICY`` environment variable:
``TIKTOK_RETRY_POLICY="standard,max_attempts=60,max_total_wait=1800"``.

``step_retries`` / ``step_delay`` are the Dagster ``RetryPolicy`` of the collection assets (their step is
re-run, resuming where it stopped, after a request gave up), so one setting covers both layers.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

ENV = "TIKTOK_RETRY_POLICY"

# At 20% of every fault kind at once a Research request succeeds ~1 time in 5 (0.8^7): 40 attempts leave
# ~0.1% of requests to the step retry. Waits of 1, 2, 4 … 60 s ride out a gateway outage of ~10 minutes.
PRESETS: dict[str, dict[str, Any]] = {
    "standard": {},
    "patient": {"max_attempts": 80, "max_delay": 300.0, "max_total_wait": 3600.0, "step_delay": 900.0},
    "sandbox": {
        "base_delay": 0.01,
        "max_delay": 0.08,
        "max_total_wait": 60.0,
        "search_id_wait": 0.05,
        "search_id_attempts": 8,
        "daily_after": 2.0,
        "step_delay": 0.2,
    },
}


@dataclass
class RetryPolicy:
    """How one request is retried; mutable so a test can tune one field of a preset."""

    name: str = "standard"
    max_attempts: int = 40  # per request, every retryable failure together
    base_delay: float = 1.0  # the first wait, seconds
    multiplier: float = 2.0
    max_delay: float = 60.0  # one wait at most (a Retry-After may be longer)
    max_total_wait: float = 900.0  # all waits of one request together; then it gives up
    jitter: float = 0.25  # multiplicative: delay * (1 + jitter * U[0,1))
    search_id_attempts: int = 6  # a fresh search_id is refused for a few seconds: growing wait
    search_id_wait: float = 3.0
    # 429 rate_limit_exceeded (the per-minute limit, a 60 s sliding window) still arriving after this many
    # seconds of waiting is the daily quota, when the API's answer did not say so (research_session).
    daily_after: float = 90.0
    step_retries: int = 3  # Dagster RetryPolicy of the collection assets
    step_delay: float = 60.0  # its first delay (exponential backoff, jittered)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def named(cls, name: str, **overrides: Any) -> RetryPolicy:
        if name not in PRESETS:
            raise ValueError(f"unknown retry policy {name!r}; known: {', '.join(PRESETS)}")
        return cls(name=name, **{**PRESETS[name], **overrides})

    @classmethod
    def from_spec(cls, spec: str | None) -> RetryPolicy:
        """``"<name>[,field=value…]"`` (empty: ``standard``); a typo is refused, naming the known fields."""
        name, *pairs = [p.strip() for p in (spec or "").split(",") if p.strip()] or ["standard"]
        tunable = {f.name: f.type for f in fields(cls) if f.name not in ("name", "sleep", "rng")}
        overrides: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip()
            if not sep or key not in tunable:
                raise ValueError(
                    f"retry policy {spec!r}: {pair!r} is not field=value; fields: {', '.join(tunable)}"
                )
            overrides[key] = int(value) if tunable[key] == "int" else float(value)
        return cls.named(name, **overrides)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls.from_spec(os.environ.get(ENV))

    @classmethod
    def fast(cls, sleep: Callable[[float], None] | None = None) -> RetryPolicy:
        """Millisecond waits and the production counts: unit tests over scripted responses."""
        return cls.named(
            "standard", base_delay=0.001, max_delay=0.01, search_id_wait=0.001, sleep=sleep or time.sleep
        )

    def with_sleep(self, sleep: Callable[[float], None]) -> RetryPolicy:
        return replace(self, sleep=sleep)

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based) of one request."""
        delay = min(self.max_delay, self.base_delay * self.multiplier ** (retry - 1))
        return delay * (1 + self.jitter * self.rng.random())

    def describe(self) -> str:
        return (
            f"{self.name}: ≤{self.max_attempts} attempts, waits {self.base_delay:g}s ×{self.multiplier:g} "
            f"≤{self.max_delay:g}s, ≤{self.max_total_wait:g}s in total; step retries {self.step_retries}"
        )
