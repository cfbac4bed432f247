"""Every source's forecast in one list, and the totals per API, quota bucket and unit.

Each source module exposes ``forecast(monitoring, start, end, **options) -> list[ForecastLine]``; adding a
source is one line in ``SOURCE_MODULES``. A module that does not exist yet is skipped (by its own name only:
any other import error is a bug and raises).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

from tiktok_assets.config import Monitoring
from tiktok_assets.forecast.line import ForecastLine

SOURCE_MODULES = (
    "tiktok_assets.forecast.research",
    "tiktok_assets.forecast.ensembledata",
    "tiktok_assets.forecast.vce",
)


def source_modules(names: Iterable[str] = SOURCE_MODULES) -> dict[str, ModuleType]:
    """source name (the module's last part) → module, for the modules that exist."""
    found: dict[str, ModuleType] = {}
    for name in names:
        try:
            found[name.rsplit(".", 1)[-1]] = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def forecast_all(
    monitoring: Monitoring, start: date, end: date, options: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ForecastLine]:
    """Every source's lines; ``options[source]`` are keyword arguments for that source's ``forecast``."""
    lines: list[ForecastLine] = []
    for source, module in source_modules().items():
        lines += module.forecast(monitoring, start, end, **(options or {}).get(source, {}))
    return lines


@dataclass(frozen=True)
class Total:
    api: str
    bucket: str
    unit: str
    amount: int
    daily_budget: int | None  # None: no documented daily limit

    @property
    def days_of_quota(self) -> int | None:
        if not self.daily_budget:
            return None
        return math.ceil(self.amount / self.daily_budget) if self.amount else 0


def totals(lines: Iterable[ForecastLine], budgets: Mapping[tuple[str, str, str], int | None]) -> list[Total]:
    """Sum per (api, bucket, unit); ``budgets[(api, bucket, unit)]`` is the daily allowance of that unit in that
    bucket (a VCE test stage counts records a day, not its RQS calls)."""
    sums: dict[tuple[str, str, str], int] = {}
    for line in lines:
        key = (line.api, line.bucket, line.unit)
        sums[key] = sums.get(key, 0) + line.amount
    return [
        Total(api, bucket, unit, amount, budgets.get((api, bucket, unit)))
        for (api, bucket, unit), amount in sums.items()
    ]
