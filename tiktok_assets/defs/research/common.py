"""What every Research asset shares: group, pool and the catalog conventions of every lake asset
(``collect.catalog``: owners, kinds, tags, code version, column schema, checks); the days of a run; the
collection instant; and the note a quota stop leaves in the run's log."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg

from tiktok_assets.collect import catalog
from tiktok_assets.collect.retries import step_retry_policy, stop_noted
from tiktok_assets.endpoints.spec import Endpoint

GROUP = "research"
POOL = "research_api"  # limit in dagster.yaml: one Research API step at a time (the quota is per project)
QUOTA_RETRY_SENSOR = "research_quota_retry_sensor"
API_KIND = "tiktok"  # the kind the catalog shows for the TikTok Research API


def asset_key(endpoint: Endpoint, **names: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, endpoint.asset_name.format(**names)])


def asset_defaults(
    key: dg.AssetKey, endpoint: Endpoint, partitions_def: dg.PartitionsDefinition,
    metadata: Mapping[str, Any] | None = None, decided_by: Sequence[Any] = (),
) -> dict[str, Any]:  # fmt: skip
    """``@dg.asset`` arguments every asset of the group shares: the pool, the step retries and the catalog
    conventions.

    ``decided_by``: what besides the endpoint declaration decides the rows (a query, comment settings); it
    goes into the code version, so changing it marks the asset's materializations stale in the UI.
    """
    return {
        **catalog.lake_asset(
            key, endpoint.dataset, api_kind=API_KIND, partitioning=endpoint.partition.value,
            time_rule=endpoint.time_rule, metadata={"endpoint": endpoint.path, **(metadata or {})},
            version_parts=(endpoint.path, endpoint.paging.value, endpoint.fills, endpoint.time_rule, *decided_by),
        ),
        "group_name": GROUP,
        "partitions_def": partitions_def,
        "pool": POOL,
        "retry_policy": step_retry_policy(),  # collect/retries.py: a retry resumes where the attempt stopped
    }  # fmt: skip


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The UTC days of this run (a single partition or a range from a backfill)."""
    window = context.partition_time_window
    start, end = window.start.astimezone(UTC).date(), window.end.astimezone(UTC).date()
    return [start + timedelta(days=i) for i in range((end - start).days)]


def collected_at(now: datetime) -> datetime:
    """When a collection happens (``collected_at``, snapshot folders): the backend's clock, whole seconds."""
    return now.astimezone(UTC).replace(microsecond=0)


@contextmanager
def quota_note(context: dg.AssetExecutionContext) -> Iterator[None]:
    """Failures a step retry cannot fix fail the step at once, not retried (``collect.retries``); the quota
    after a note on how the run resumes."""
    with stop_noted(context, "Research API quota", f"The {QUOTA_RETRY_SENSOR} resumes this run after that (or "
                    "re-execute it from failure): partitions it already stored are skipped, the rest resume."):  # fmt: skip
        yield
