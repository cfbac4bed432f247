"""What a run spent and saw: requests (retries included), records, EnsembleData units, bad characters
repaired in them (U+FFFD), and accounts the API would not return."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tiktok_assets.clients.errors import ApiError


@dataclass
class Spend:
    requests: int = 0
    records: int = 0
    repaired: int = 0
    units: int = 0  # EnsembleData units charged (the responses' `units_charged`); 0 for the other APIs
    unavailable: dict[str, str] = field(default_factory=dict)

    def pages(self, pages: Iterable[Any]) -> Iterator[Any]:
        """Count each page as it passes (its ``requests``, ``records`` and ``units``), and what a call that
        failed had spent (``ApiError.attempts``: its retries and the refusal were requests the API counted)."""
        try:
            for page in pages:
                self.book(page)
                yield page
        except ApiError as exc:
            self.book_failed(exc)
            raise

    def book(self, page: Any) -> None:
        """One answered page: its ``requests`` (retries included), ``records``, ``repaired`` and ``units``."""
        self.requests += int(getattr(page, "requests", 1) or 0)
        self.records += len(page.records)
        self.repaired += int(getattr(page, "repaired", 0) or 0)
        self.units += int(getattr(page, "units", 0) or 0)

    def book_failed(self, exc: ApiError) -> None:
        """What a call that failed had spent (``ApiError.attempts``: its retries and the refusal)."""
        self.requests += exc.attempts.requests
        self.units += exc.attempts.units
