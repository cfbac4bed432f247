"""Counters the tests and benchmarks read through ``GET /_sandbox/stats``."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any


class StatsBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._records: dict[str, int] = defaultdict(int)
        self._units: dict[str, int] = defaultdict(int)
        self._faults: dict[str, int] = defaultdict(int)

    def request(self, endpoint: str, status: int | str) -> None:
        with self._lock:
            self._requests[endpoint][str(status)] += 1

    def records(self, endpoint: str, n: int) -> None:
        if n:
            with self._lock:
                self._records[endpoint] += n

    def units(self, endpoint: str, n: int) -> None:
        if n:
            with self._lock:
                self._units[endpoint] += n

    def fault(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self._faults[kind] += n

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            requests = {e: dict(s) for e, s in self._requests.items()}
            return {
                "requests": requests,
                "requests_total": sum(sum(s.values()) for s in requests.values()),
                "records": dict(self._records),
                "records_total": sum(self._records.values()),
                "units_charged": dict(self._units),
                "units_total": sum(self._units.values()),
                "faults": dict(self._faults),
            }
