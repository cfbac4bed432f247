"""Collection-day assets: what the API says on the day it is asked (``date=<UTC day of collection>``).

- ``user_info``: every monitored account's profile (by username, or by secUid where monitoring.yaml gives
  one); an account the API will not show is a row with its ``status``.
- ``music_details``: every monitored sound, with ``user_count``.
- ``post_stats``: the posts already in the lake, observed again (``multi-info``, 100 ids a call; tracked URLs
  via ``post/info``): the same post observed on many days is an engagement time series.
- ``units``: the units used that day, as EnsembleData reports them and as the ledger booked them.
Live data: a partition holds what the API answered when it ran (``collected_at``); run them daily.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg

from tiktok_assets.clients.ensembledata_endpoints import API, BUCKET, MULTI_INFO_MAX
from tiktok_assets.clients.errors import ApiError, UserUnavailableError
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.lineage import run_lineage
from tiktok_assets.collect.metadata import finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import Monitoring
from tiktok_assets.defs.ensembledata.chains import Chain, Walker, call_counted
from tiktok_assets.defs.ensembledata.common import (
    asset_defaults,
    collecting,
    partition_units,
    unavailable_reason,
)
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints import ensembledata_shapes as shapes
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize

# (chain, who it is about): a chain that fails with an unavailable account or a missing item is recorded.
Planned = tuple[Chain, str]


def observed_asset(
    endpoint: Endpoint, days_def: dg.PartitionsDefinition, plan: Callable[[LakeResource, date], Iterable[Planned]],
    status_rows: bool = False, deps: Sequence[dg.AssetDep] = (),
) -> dg.AssetsDefinition:  # fmt: skip
    """A collection-day asset that walks the chains ``plan`` lists for the day into one partition.

    ``status_rows``: an unavailable subject becomes a row (``username`` + ``status``), as user info wants.
    """

    @dg.asset(**asset_defaults(endpoint, days_def), deps=list(deps))
    def _observed(
        context: dg.AssetExecutionContext, ensembledata: EnsembleDataResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        day = date.fromisoformat(context.partition_key)
        if day != ensembledata.now().date():
            context.log.warning(f"{day} is not today: the API answers the present (collected_at says when)")
        lineage = run_lineage(context)
        journal = Journal(lake.storage, lineage["root_run_id"], f"{endpoint.dataset.qualified_name}/{day}")
        spend = Spend()
        walker = Walker(ensembledata.client(), journal, ensembledata.now, spend)
        part = {"date": day.isoformat()}
        with (
            collecting(context, spend, ensembledata.units_left),
            lake.writer(endpoint.dataset, part, metadata=lineage) as writer,
        ):
            for chain, subject in plan(lake, day):
                try:
                    for fetched in walker.tables(chain):
                        writer.write(fetched.table)
                except (UserUnavailableError, ApiError) as exc:
                    reason = unavailable_reason(exc)
                    spend.unavailable[subject] = reason
                    if status_rows:
                        writer.write(normalize(endpoint.dataset, [{"username": subject, "status": reason}], ensembledata.now()))  # fmt: skip
        journal.clear()
        quota = quota_left(ensembledata.units_left, context.log)
        return finish(
            context, lake.storage, endpoint.dataset, {context.partition_key: part}, spend, quota,
            time_rule=endpoint.time_rule, partition_extra={context.partition_key: partition_units(spend)},
        )  # fmt: skip

    return _observed


def user_info_asset(monitoring: Monitoring, days_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    settings = monitoring.ensembledata

    def plan(lake: LakeResource, day: date) -> Iterator[Planned]:
        for username in monitoring.accounts:
            constants = {"username": username, "status": "ok"}
            if username in settings.sec_uids:
                yield (
                    Chain(ed.USER_INFO_BY_SECUID.path, {"secUid": settings.sec_uids[username]}, constants),
                    username,
                )
            else:
                yield Chain(ed.USER_INFO.path, {"username": username}, constants), username

    return observed_asset(ed.USER_INFO, days_def, plan, status_rows=True)


def music_details_asset(monitoring: Monitoring, days_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    def plan(lake: LakeResource, day: date) -> Iterator[Planned]:
        for music_id in monitoring.ensembledata.music:
            yield Chain(ed.MUSIC_DETAILS.path, {"id": music_id}), music_id

    return observed_asset(ed.MUSIC_DETAILS, days_def, plan)


def lake_post_ids(lake: LakeResource, first: date, last: date) -> list[int]:
    """Ids of the posts created ``first``..``last`` that either source stored (EnsembleData user posts and every
    Research video query)."""
    days = {(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    found: set[int] = set()
    for day in sorted(days):
        table = lake.read(ds.USER_POSTS, {"date": day}, ["aweme_id"])
        found.update(table["aweme_id"].to_pylist() if table is not None else [])
    for part in lake.partitions(rds.VIDEOS):
        if part["date"] in days:
            table = lake.read(rds.VIDEOS, part, ["id"])
            found.update(table["id"].to_pylist() if table is not None else [])
    return sorted(found)


def post_stats_asset(
    monitoring: Monitoring, days_def: dg.PartitionsDefinition, upstream: Sequence[dg.AssetKey]
) -> dg.AssetsDefinition:
    settings = monitoring.ensembledata
    window = dg.TimeWindowPartitionMapping(
        start_offset=-settings.refresh_days, end_offset=-1, allow_nonexistent_upstream_partitions=True
    )

    def plan(lake: LakeResource, day: date) -> Iterator[Planned]:
        ids = lake_post_ids(lake, day - timedelta(days=settings.refresh_days), day - timedelta(days=1))
        for i in range(0, len(ids), MULTI_INFO_MAX):
            batch = ";".join(str(x) for x in ids[i : i + MULTI_INFO_MAX])
            yield Chain(ed.POST_STATS.path, {"ids": batch}), f"ids[{i}:{i + MULTI_INFO_MAX}]"
        for url in settings.post_urls:
            yield Chain(ed.POST_INFO.path, {"url": url}), url

    deps = [dg.AssetDep(key, partition_mapping=window) for key in upstream]
    return observed_asset(ed.POST_STATS, days_def, plan, deps=deps)


def units_asset(days_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """Units used per day: free calls, so no journal; one ``get-used-units`` per day, or one ``get-history``
    when a run covers several days."""
    endpoint = ed.UNITS

    @dg.asset(**asset_defaults(endpoint, days_def))
    def _units(
        context: dg.AssetExecutionContext, ensembledata: EnsembleDataResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        keys = context.partition_keys
        days = [date.fromisoformat(k) for k in keys]
        client, ledger, spend = ensembledata.client(), ensembledata.ledger(), Spend()
        today = ensembledata.now().date()
        with collecting(context, spend, ensembledata.units_left):
            if len(days) == 1:
                params: dict[str, Any] = {"date": keys[0]}
                page = call_counted(client, spend, ed.UNITS_OF_DAY.path, params)
                used = {keys[0]: (page.records[0].get("value") if page.records else None)}
                path = ed.UNITS_OF_DAY.path
            else:
                params = {"days": (today - min(days)).days + 1}
                page = call_counted(client, spend, ed.UNITS.path, params)
                used = {str(r.get("date")): r.get("units") for r in page.records}
                path = ed.UNITS.path
        request = json.dumps({"path": path, **params, "units_charged": page.units}, sort_keys=True)
        lineage = run_lineage(context)
        for day in days:
            row = {
                **shapes.UNITS.row({"date": day.isoformat(), "units": used.get(day.isoformat())}),
                "ledger_units": ledger.used(API, BUCKET, day).units,
                "request": request,
            }
            with lake.writer(ds.UNITS, {"date": day.isoformat()}, metadata=lineage) as writer:
                writer.write(normalize(ds.UNITS, [row], ensembledata.now()))
        parts = {k: {"date": k} for k in keys}
        # Each day's row says whether that day was over when it was read (today's count still grows).
        partition_extra = {k: {"complete": date.fromisoformat(k) < today} for k in keys}
        quota = quota_left(ensembledata.units_left, context.log)
        return finish(context, lake.storage, ds.UNITS, parts, spend, quota, time_rule=None,
                      partition_extra=partition_extra)  # fmt: skip

    return _units
