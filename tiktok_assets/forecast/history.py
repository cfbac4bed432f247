"""What earlier runs spent, partition by partition, as the Dagster instance recorded it.

Each materialization of an EnsembleData or VCE partition carries that partition's own spend (``units_spent``;
``task_records`` / ``task_requests`` for a VCE day's task; ``collect.metadata.finish``), so the instance is
the exact record of what a day, a run of a live asset or an entity's snapshot cost — pages that brought no
stored row included, which the lake cannot show. The forecasts (``forecast.ensembledata``, ``forecast.vce``)
use it before their models: what a search returns, or how many videos a VCE query matches, cannot be known
before asking, but what the same asking cost last time can.

Only the newest materialization of each partition counts (a re-run replaces the data it describes); at most
``PAGE`` x ``PAGES`` materializations are read per asset, newest first (a thousand accounts snapshotted
weekly for a year fit).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import yaml

PAGE, PAGES = 1_000, 60
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage")  # a dagster.yaml naming a database
FIGURES = ("units_spent", "pinned_units", "task_records", "task_requests", "dagster/row_count")


@dataclass
class History:
    """``recorded[asset][partition key][figure]`` (``FIGURES``), ``asset`` as ``"source/name"``."""

    recorded: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    def partitions(self, asset: str, figure: str) -> dict[str, int]:
        """partition key → ``figure`` for the asset's partitions that recorded it."""
        return {key: f[figure] for key, f in self.recorded.get(asset, {}).items() if figure in f}

    def mean(self, asset: str, figure: str) -> tuple[float, int] | None:
        """The mean of ``figure`` over the asset's recorded partitions, and how many there were."""
        return mean_of(self.partitions(asset, figure).values())

    def spread(self, asset: str, figure: str, days: int) -> int:
        """``spread_of`` the asset's recorded ``figure``."""
        return spread_of(self.partitions(asset, figure).values(), days)

    def latest(self, asset: str, figure: str) -> tuple[str, int] | None:
        """The newest partition key's ``figure`` (time-partitioned keys sort by date)."""
        values = self.partitions(asset, figure)
        return (key := max(values), values[key]) if values else None

    @property
    def partition_count(self) -> int:
        return sum(len(parts) for parts in self.recorded.values())


def mean_of(values: Iterable[int]) -> tuple[float, int] | None:
    """The mean of recorded partitions' figures, and how many there were; None without any."""
    values = list(values)
    return (sum(values) / len(values), len(values)) if values else None


def spread_of(values: Iterable[int], days: int) -> int:
    """Half the ~95% range of the sum of a figure over ``days`` new partitions, forecast as ``days`` x the mean
    of ``values``: the days' own variation (s√days) and the mean's uncertainty (s·days/√n), s the recorded
    days' standard deviation. 0 with fewer than two recorded partitions (no variation is known)."""
    values = list(values)
    if len(values) < 2:
        return 0
    n = len(values)
    return math.ceil(2 * statistics.stdev(values) * math.sqrt(days * (1 + days / n)))


def from_instance(instance: dg.DagsterInstance, assets: Iterable[str]) -> History:
    """The newest recorded spend of every partition of ``assets`` (``"source/name"``)."""
    history = History()
    for asset in assets:
        parts: dict[str, dict[str, int]] = {}
        cursor = None
        for _ in range(PAGES):
            result = instance.fetch_materializations(dg.AssetKey(asset.split("/")), limit=PAGE, cursor=cursor)
            for record in result.records:  # newest first
                materialization = record.asset_materialization
                if materialization is None or materialization.partition is None:
                    continue
                figures = _figures(materialization.metadata)
                if figures and materialization.partition not in parts:
                    parts[materialization.partition] = figures
            if not result.has_more:
                break
            cursor = result.cursor
        if parts:
            history.recorded[asset] = parts
    return history


def _figures(metadata: Mapping[str, dg.MetadataValue]) -> dict[str, int]:
    out = {}
    for name in FIGURES:
        value = getattr(metadata.get(name), "value", None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = int(value)
    return out


def from_home(home: Path, assets: Iterable[str]) -> History | None:
    """The history of the instance at ``home`` (a ``DAGSTER_HOME``). None, creating nothing, when no instance
    has stored anything there: no SQLite run database and no dagster.yaml naming a database (PostgreSQL)."""
    if not (home / "history" / "runs.db").exists() and not _names_storage(home / "dagster.yaml"):
        return None
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return from_instance(instance, assets)


def _names_storage(config: Path) -> bool:
    try:
        loaded = yaml.safe_load(config.read_text()) if config.exists() else None
    except yaml.YAMLError:
        return True  # let Dagster say what is wrong with it
    return isinstance(loaded, dict) and any(key in loaded for key in STORAGE_KEYS)
