"""The sandbox clock: real time by default, or a fixed instant that moves only when advanced."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


def parse_iso(value: str) -> int:
    """ISO 8601 (``Z`` or offset; naive means UTC) -> Unix seconds."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def to_iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SandboxClock:
    """``now()`` in Unix seconds. Fixed when started with an instant; advancing moves either kind forward."""

    def __init__(self, now: str | int | None = None) -> None:
        self._lock = threading.Lock()
        self._fixed: int | None = None
        self._offset = 0.0
        if now is not None:
            self.set(now)

    def set(self, now: str | int) -> None:
        with self._lock:
            self._fixed = parse_iso(now) if isinstance(now, str) else int(now)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._fixed is not None:
                self._fixed += int(seconds)
            else:
                self._offset += seconds

    def now(self) -> int:
        with self._lock:
            if self._fixed is not None:
                return self._fixed
            return int(time.time() + self._offset)

    @property
    def fixed(self) -> bool:
        return self._fixed is not None

    def describe(self) -> dict[str, object]:
        return {"now": to_iso(self.now()), "fixed": self.fixed}
