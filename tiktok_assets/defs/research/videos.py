"""Videos of each named query (``video/query``): one asset per query, partitioned by UTC day of creation.

A run of many days is one API search per ≤30-day window (``planner.day_windows``), its rows split into daily
files as they arrive (``DayRouter``). Resume: days an earlier attempt of the same run committed are skipped,
and the search covers the days still missing, bounded by the oldest stored video (``ResumeState``), so pages
already stored are not fetched again.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

import dagster as dg

from tiktok_assets.clients.pages import ResumeState
from tiktok_assets.clients.planner import day_windows
from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.collect.lineage import run_lineage, stored_by_this_run
from tiktok_assets.collect.metadata import failed_run_recorded, finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import VideoQuery
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.common import (
    asset_defaults,
    asset_key,
    collected_at,
    partition_days,
    quota_note,
)
from tiktok_assets.defs.research.partitions import RANGE_POLICY
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.endpoints.research import VIDEO_QUERY
from tiktok_assets.lake.datasets.research import VIDEOS
from tiktok_assets.lake.normalize import normalize


def video_partition(query: str, day: date) -> dict[str, str]:
    return {"query": query, "date": day.isoformat()}


def resume_state(lake: LakeResource, query: str, day: date, root: str) -> ResumeState | None:
    """The client's resume primitive: the oldest video this run already stored, on the day after a gap."""
    part = video_partition(query, day)
    if not stored_by_this_run(lake.storage, VIDEOS, part, root):
        return None
    table = lake.read(VIDEOS, part, ["id", "create_time"])
    if table is None or table.num_rows == 0:
        return None
    oldest = table.sort_by("id").slice(0, 1).to_pylist()[0]
    return ResumeState(oldest["id"], int(oldest["create_time"].timestamp()))


def collect_videos(
    client: ResearchApi, lake: LakeResource, query: VideoQuery, days: Sequence[date], lineage: Mapping[str, str],
    spend: Spend, now: datetime, log: Callable[[str], None] = lambda _m: None,
) -> list[date]:  # fmt: skip
    """Fetch ``days`` of ``query``: one search per ≤30-day window, rows split into daily partitions.
    Returns the days fetched by this attempt."""
    root = lineage["root_run_id"]
    todo = [
        d for d in days if not stored_by_this_run(lake.storage, VIDEOS, video_partition(query.name, d), root)
    ]
    if len(todo) < len(days):
        log(f"resuming: {len(days) - len(todo)} of {len(days)} days already stored by this run")
    for window in day_windows(todo):
        first, last = window.start, window.end
        window_days = [first + timedelta(days=i) for i in range(window.days)]
        resume = resume_state(lake, query.name, last + timedelta(days=1), root)
        bounds = (first, last + timedelta(days=1))  # stored as [start, end) instants
        router = lake.day_router(
            VIDEOS, {"query": query.name}, window_days, metadata={**lineage, "query": query.name}
        )
        stamp = collected_at(now)
        try:
            for page in spend.pages(
                client.iter_videos(query.query, first, last, max_count=100, resume=resume)
            ):
                router.write(normalize(VIDEOS, page.records, stamp, bounds))
            router.finish(window_days)
        except BaseException:
            router.abort()  # days already committed stay; the rest of the window is fetched on resume
            raise
        if router.out_of_range:
            log(f"{router.out_of_range} videos outside {first}..{last} ignored")
    return todo


def video_asset(query: VideoQuery, daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = asset_key(VIDEO_QUERY, query=query.name)

    @dg.asset(
        **asset_defaults(
            key, VIDEO_QUERY, daily, {"query": dg.MetadataValue.json(query.query)}, [query.query]
        ),
        backfill_policy=RANGE_POLICY,
        description=f"{query.description}\n\n{VIDEO_QUERY.description.format(query=query.name)}",
    )
    def _videos(
        context: dg.AssetExecutionContext, research_api: ResearchApiResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        days = partition_days(context)
        spend = Spend()
        with quota_note(context), failed_run_recorded(context, spend, research_api.quota_left):
            collect_videos(
                research_api.client(), lake, query, days, run_lineage(context), spend, research_api.now(),
                context.log.info,
            )  # fmt: skip
        parts = {d.isoformat(): video_partition(query.name, d) for d in days}
        quota = quota_left(research_api.quota_left, context.log)
        # One search spans the run's days: its requests are the run's (a one-day run's are that day's).
        return finish(context, lake.storage, VIDEOS, parts, spend, quota, time_rule=VIDEO_QUERY.time_rule)

    return _videos
