"""What a range run writes to the Dagster event log, per partition: before and after issue 15's metadata split.

A range run of the day-partitioned research assets (three named queries' videos, comments, playlists of the
shipped monitoring.yaml) against the sandbox's small world, for a 30-day and a 365-day range. Two variants
in the same process, alternating:

- ``baseline``: the materialization metadata as it was before (``legacy_finish`` below, main before issue 15):
  every partition's event carried the run's figures (requests, records, quota, window, query), the column
  schema and the run's preview;
- ``current``: ``collect.metadata.finish``: each partition carries its rows, file, own preview and window
  (and its requests where the call was its own); the run's figures go once into a run summary observation.

The lake is filled once per range by a real collection; each measured run then re-materializes the same
range as a quota resume of that collection (tag ``tiktok/resume_root_run_id``), so no API call happens and
the runs differ only in what they write to the event log: one materialization per partition, the planned
events, the checks, the summary. Two instances: ``sqlite`` (on disk, what `dagster dev` uses: every event is
a commit, so fsync latency dominates) and ``memory`` (the same storage code without the disk: what the writes
themselves cost). Measured: events, their serialized size (all, and per materialization: ``B/mat.``), the time ``store_event`` spent (wrapped, not
replaced), the time to read the assets' materializations back (what the UI's asset pages do). Times are the
minimum over ``--repeat`` runs (a shared machine only ever adds time).
Run: .venv/bin/python benchmarks/event_log.py [--days 30 365] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import yaml
from dagster._serdes import serialize_value

from tiktok_assets.clock import last_complete_day
from tiktok_assets.collect.catalog import column_schema
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.collect.metadata import check_results, markdown_preview
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import load_monitoring, parse_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research import day_fanout, videos
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake import layout, reader
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage
from tiktok_assets.sandbox.testing import running_sandbox

# Dagster's daily partitions end at the wall clock's last complete day, so the sandbox runs on the wall clock
# (fixed for the benchmark). Days before the small world's first day (2026-01-01) are empty partitions.
NOW = datetime.now(UTC).replace(microsecond=0)
LAST = last_complete_day(NOW)
WORLD_START = date(2026, 1, 1)
LIMITS = {
    "per_minute": 10_000_000,
    "research_daily_requests": 1_000_000,
    "research_daily_records": 100_000_000,
}
DAILY = ("comments", "playlists")


def legacy_finish(
    context: dg.AssetExecutionContext, storage: LakeStorage, dataset: Dataset,
    partitions: Mapping[str, Mapping[str, str]], spend: Spend, quota: Mapping[str, int], *,
    time_rule: str | None, **_new_arguments: Any,
) -> dg.MaterializeResult:  # fmt: skip
    """The baseline: ``collect.metadata.finish`` before issue 15, with the ``extra`` its callers passed."""
    keys = list(partitions)
    extra: dict[str, Any] = {"window": f"{keys[0]}..{keys[-1]}"}
    if "query" in context.assets_def.metadata_by_key[context.asset_key]:
        extra["query"] = context.assets_def.metadata_by_key[context.asset_key]["query"]
    total, preview_from = 0, None
    per_partition: dict[str, Any] = {}
    ranged = len(partitions) > 1
    for key, lake_partition in partitions.items():
        rows = reader.partition_rows(storage, dataset, lake_partition) or 0
        total += rows
        preview_from = lake_partition if rows else preview_from
        per_partition = {
            "dagster/row_count": rows,
            "rows": rows,
            "lake_path": storage.uri(layout.partition_key(dataset, lake_partition)),
        }
        if ranged:
            context.add_asset_metadata(per_partition, partition_key=key)
    columns = list(dataset.preview_columns)
    preview_table = reader.partition_head(storage, dataset, preview_from, columns) if preview_from else None
    metadata: dict[str, Any] = {
        **({} if ranged else per_partition),
        "requests_spent": spend.requests,
        "records_received": spend.records,
        "run_rows": total,
        "dagster/column_schema": column_schema(dataset),
        "preview": markdown_preview(preview_table, columns),
        **{f"quota_{name}": left for name, left in quota.items()},
        **extra,
    }
    results = check_results(context, storage, dataset, partitions, time_rule)
    return dg.MaterializeResult(metadata=metadata, check_results=results)


@contextmanager
def variant(name: str) -> Iterator[None]:
    """Swap the research assets' ``finish`` for the baseline's (module globals, read at call time)."""
    modules = (videos, day_fanout)
    saved = [m.finish for m in modules]
    if name == "baseline":
        for m in modules:
            m.finish = legacy_finish  # type: ignore[assignment]
    try:
        yield
    finally:
        for m, f in zip(modules, saved, strict=True):
            m.finish = f  # type: ignore[assignment]


@dataclass
class Measure:
    events: int
    materializations: int
    event_bytes: int
    materialization_bytes: int
    store_seconds: float
    read_seconds: float
    run_seconds: float


def timed_store(instance: dg.DagsterInstance) -> list[float]:
    """Wrap the event log's ``store_event`` to add up the time it spends; returns the running total."""
    storage = instance.event_log_storage
    original: Callable[..., Any] = storage.store_event
    spent = [0.0]

    def store_event(event: Any) -> None:
        t0 = time.perf_counter()
        original(event)
        spent[0] += time.perf_counter() - t0

    storage.store_event = store_event  # type: ignore[method-assign]
    return spent


def resources_for(sandbox: Any, tmp: str) -> dict[str, Any]:
    return {
        "research_api": ResearchApiResource(
            base_url=sandbox.research_url, client_key=sandbox.client_key, client_secret=sandbox.client_secret,
            daily_video_requests=1_000_000, daily_video_records=100_000_000, ledger_url=f"sqlite:///{tmp}/quota.sqlite",
        ),
        "lake": LakeResource(lake_dir=f"{tmp}/lake"),
    }  # fmt: skip


def range_tags(days: int) -> dict[str, str]:
    first = LAST - timedelta(days=days - 1)
    return {"dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": LAST.isoformat()}  # fmt: skip


def fill_lake(sandbox: Any, assets: list, keys: list[dg.AssetKey], days: int, tmp: str) -> str:
    """Collect the range once (the API's part); returns the run id the measured runs resume."""
    result = dg.materialize(
        assets, selection=keys, resources=resources_for(sandbox, tmp), tags=range_tags(days)
    )
    assert result.success
    return result.run_id


def one_run(
    sandbox: Any,
    assets: list,
    keys: list[dg.AssetKey],
    days: int,
    name: str,
    storage: str,
    tmp: str,
    root: str,
) -> Measure:
    with tempfile.TemporaryDirectory() as home, variant(name):
        instance = (
            dg.DagsterInstance.local_temp(home) if storage == "sqlite" else dg.DagsterInstance.ephemeral()
        )
        spent = timed_store(instance)
        tags = {**range_tags(days), RESUME_TAG: root}  # every partition is stored: no API call
        t0 = time.perf_counter()
        result = dg.materialize(
            assets, selection=keys, instance=instance, resources=resources_for(sandbox, tmp), tags=tags
        )
        run_seconds = time.perf_counter() - t0
        assert result.success
        records = instance.get_records_for_run(result.run_id, limit=1_000_000).records
        t0 = time.perf_counter()
        for key in keys:
            instance.fetch_materializations(key, limit=10_000)
        read_seconds = time.perf_counter() - t0
        sizes = [
            (r.event_log_entry.dagster_event_type, len(serialize_value(r.event_log_entry))) for r in records
        ]
        mat = dg.DagsterEventType.ASSET_MATERIALIZATION
        measure = Measure(
            events=len(records),
            materializations=sum(kind == mat for kind, _ in sizes),
            event_bytes=sum(size for _, size in sizes),
            materialization_bytes=sum(size for kind, size in sizes if kind == mat),
            store_seconds=spent[0],
            read_seconds=read_seconds,
            run_seconds=run_seconds,
        )
        instance.dispose()
        return measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shipped = yaml.safe_load(load_monitoring().path.read_text())
    first = LAST - timedelta(days=max(args.days) - 1)
    monitoring = parse_monitoring({**shipped, "date_range": {"start": first.isoformat()}}, "bench.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = research.build_assets(monitoring)
    keys = [a.key for a in assets if a.key.path[-1].startswith("videos_") or a.key.path[-1] in DAILY]
    print(
        f"range runs of {len(keys)} day-partitioned research assets (shipped monitoring.yaml, sandbox small "
        f"world at {NOW:%Y-%m-%dT%H:%MZ}, days up to {LAST}); times: minimum of {args.repeat}"
    )
    if first < WORLD_START:
        print(
            f"({(WORLD_START - first).days} of the days precede the small world's first day: empty partitions)"
        )
    print(
        f"{'days':>5} {'instance':<8} {'variant':<9} {'events':>7} {'mat.':>6} {'event KB':>9} {'B/mat.':>7} "
        f"{'store s':>8} {'read s':>7} {'run s':>6} {'KB ratio':>9} {'store ratio':>12} {'read ratio':>11}"
    )
    with running_sandbox(now=NOW.isoformat(), **LIMITS) as sandbox, tempfile.TemporaryDirectory() as tmp:
        for days in args.days:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                root = fill_lake(sandbox, assets, keys, days, f"{tmp}/{days}")
            for storage in ("sqlite", "memory"):
                runs: dict[str, list[Measure]] = {"baseline": [], "current": []}
                for _ in range(args.repeat):
                    for name in runs:  # alternate, so load on a shared machine hits both alike
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            runs[name].append(
                                one_run(sandbox, assets, keys, days, name, storage, f"{tmp}/{days}", root)
                            )
                base = _best(runs["baseline"])
                for name, measures in runs.items():
                    m = _best(measures)
                    print(
                        f"{days:>5} {storage:<8} {name:<9} {m.events:>7,} {m.materializations:>6,} "
                        f"{m.event_bytes / 1024:>9,.0f} {m.materialization_bytes / max(m.materializations, 1):>7,.0f} "
                        f"{m.store_seconds:>8.2f} {m.read_seconds:>7.3f} {m.run_seconds:>6.1f} "
                        f"{m.event_bytes / base.event_bytes:>9.2f} {m.store_seconds / base.store_seconds:>12.2f} "
                        f"{m.read_seconds / base.read_seconds:>11.2f}"
                    )


def _best(measures: list[Measure]) -> Measure:
    """Counts are the same in every run; times: the fastest (load on a shared machine only adds)."""
    return Measure(
        events=measures[0].events,
        materializations=measures[0].materializations,
        event_bytes=measures[0].event_bytes,
        materialization_bytes=measures[0].materialization_bytes,
        store_seconds=min(m.store_seconds for m in measures),
        read_seconds=min(m.read_seconds for m in measures),
        run_seconds=min(m.run_seconds for m in measures),
    )


if __name__ == "__main__":
    main()
