"""Endpoints a day partition fans out over: for each video created that UTC day (any named query), its
comments (``video/comment/list``) or its playlist (``playlist/info``).

They read the day's videos from the lake, so they depend on every video asset; a missing video partition
fails the step before anything is written. A range run collects day by day, skipping days an earlier
attempt of the same run already stored; inside a day, each finished video (its comments and replies) or
playlist is checkpointed (``lake.checkpoint``), so a retry of the run continues with the next one instead of
fetching the whole day again.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import dagster as dg
import pyarrow as pa

from tiktok_assets.clients.protocols import ResearchApi
from tiktok_assets.collect.lineage import run_lineage, stored_by_this_run
from tiktok_assets.collect.metadata import failed_run_recorded, finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import CommentSettings, Monitoring, VideoQuery
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
from tiktok_assets.defs.research.videos import video_partition
from tiktok_assets.endpoints.research import COMMENTS, PLAYLISTS
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.lake.checkpoint import Checkpoint
from tiktok_assets.lake.datasets.research import VIDEOS
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.normalize_coerce import fits_int64
from tiktok_assets.lake.writer import PartitionWriter


def day_videos(lake: LakeResource, queries: Sequence[VideoQuery], day: date, columns: list[str]) -> pa.Table:
    """The day's videos across every named query, one row per id."""
    tables = []
    for q in queries:
        table = lake.read(VIDEOS, video_partition(q.name, day), columns)
        if table is None:
            raise dg.Failure(  # a retry cannot make it appear
                f"research/videos_{q.name} has no partition {day}: materialize it first", allow_retries=False
            )
        tables.append(table)
    merged = pa.concat_tables(tables)
    return merged.group_by("id").aggregate([(c, "max") for c in columns if c != "id"]).rename_columns(columns)


def select_comment_videos(videos: pa.Table, settings: CommentSettings) -> list[int]:
    """The most-commented videos of the day (the comment endpoint shares the video quota)."""
    return settings.choose(
        dict(zip(videos["id"].to_pylist(), videos["comment_count"].to_pylist(), strict=True))
    )


def video_comments(
    client: ResearchApi, video_id: int, replies: bool, spend: Spend, stamp: datetime,
    window: tuple[date, date] | None = None,
) -> list[pa.Table]:  # fmt: skip
    """Every reachable comment (and, if asked, reply) of one video; ``window`` = the video's day.

    A comment whose id does not fit int64 goes to the quarantine (``normalize``) and its replies are not
    asked: its id cannot be sent back, and replies keyed to a parent the lake cannot hold would be orphans."""
    tables = []
    for page in spend.pages(client.iter_comments(video_id)):
        tables.append(normalize(COMMENTS.dataset, page.records, stamp, window))
        for comment in page.records if replies else ():
            if (comment.get("reply_count") or 0) > 0 and fits_int64(comment.get("id")):
                for reply_page in spend.pages(client.iter_replies(comment["id"], video_id=video_id)):
                    tables.append(normalize(COMMENTS.dataset, reply_page.records, stamp, window))
    return tables


def collect_units(
    writer: PartitionWriter, checkpoint: Checkpoint, units: Sequence[int], collect: Callable[[int], list[pa.Table]]
) -> int:  # fmt: skip
    """Each unit's tables into ``writer``, checkpointed unit by unit; units an earlier attempt finished are
    restored from the checkpoint, not fetched. Returns how many were restored."""
    done = checkpoint.restore(writer)
    for unit in units:
        if str(unit) in done:
            continue
        tables = collect(unit)
        checkpoint.save(str(unit), tables)
        for table in tables:
            writer.write(table)
    return len(done)


def collect_playlist(client: ResearchApi, playlist_id: int, spend: Spend) -> dict[str, Any] | None:
    """One playlist record from its pages (the video ids of every page, the header of the first)."""
    record: dict[str, Any] | None = None
    ids: list[int] = []
    for page in spend.pages(client.iter_playlist(playlist_id)):
        for part in page.records:
            record = record or {**part, "playlist_id": part.get("playlist_id", playlist_id)}
            ids += list(part.get("playlist_video_ids") or [])
    if record is not None:
        record["playlist_video_ids"] = list(dict.fromkeys(ids))
    return record


# What one UTC day collects: (client, day, lake partition, lineage, spend, collection instant); it opens its
# own writer so that whatever it reads first (the day's videos) can fail before anything is written.
DayCollector = Callable[[ResearchApi, date, dict[str, str], dict[str, str], Spend, datetime], None]


def fanout_asset(
    endpoint: Endpoint, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition, description: str,
    make_collector: Callable[[LakeResource], DayCollector], decided_by: Sequence[Any] = (),
) -> dg.AssetsDefinition:  # fmt: skip
    """A day-partitioned asset that runs ``make_collector(lake)`` for each day of the run not yet stored."""

    @dg.asset(
        **asset_defaults(asset_key(endpoint), endpoint, daily, decided_by=decided_by),
        backfill_policy=RANGE_POLICY,
        deps=list(video_keys),
        description=description,
    )
    def _fanout(
        context: dg.AssetExecutionContext, research_api: ResearchApiResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        collect_day = make_collector(lake)
        days = partition_days(context)
        lineage = run_lineage(context)
        spend = Spend()
        client = research_api.client()
        # Each day's API calls are that day's alone: its partition gets their count. A day an earlier attempt
        # of this run stored gets none (that attempt's run summary holds what it spent).
        spent_on: dict[str, int] = {}
        with quota_note(context), failed_run_recorded(context, spend, research_api.quota_left):
            for day in days:
                part = {"date": day.isoformat()}
                if stored_by_this_run(lake.storage, endpoint.dataset, part, lineage["root_run_id"]):
                    # An attempt killed between its commit and its checkpoint's clear left the checkpoint.
                    Checkpoint(lake.storage, endpoint.dataset, part, lineage["root_run_id"]).clear()
                    continue
                before = spend.requests
                collect_day(client, day, part, lineage, spend, research_api.now())
                spent_on[day.isoformat()] = spend.requests - before
        parts = {d.isoformat(): {"date": d.isoformat()} for d in days}
        quota = quota_left(research_api.quota_left, context.log)
        return finish(
            context,
            lake.storage,
            endpoint.dataset,
            parts,
            spend,
            quota,
            time_rule=endpoint.time_rule,
            partition_requests=spent_on,
        )

    return _fanout


def comments_asset(monitoring: Monitoring, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:  # fmt: skip
    settings = monitoring.comments

    def make_collector(lake: LakeResource) -> DayCollector:
        def collect_day(
            client: ResearchApi, day: date, part: dict[str, str], lineage: dict[str, str], spend: Spend, now: datetime
        ) -> None:  # fmt: skip
            selected: list[int] = []
            if settings.enabled:
                selected = select_comment_videos(
                    day_videos(lake, monitoring.queries, day, ["id", "comment_count"]), settings
                )
            stamp, window = collected_at(now), (day, day + timedelta(days=1))
            checkpoint = Checkpoint(lake.storage, COMMENTS.dataset, part, lineage["root_run_id"])
            with lake.writer(COMMENTS.dataset, part, metadata=lineage) as writer:
                collect_units(writer, checkpoint, selected,
                              lambda video_id: video_comments(client, video_id, settings.replies, spend, stamp, window))  # fmt: skip
            checkpoint.clear()

        return collect_day

    description = COMMENTS.description.format(
        max_videos=settings.max_videos_per_day, min_comments=settings.min_comment_count
    )
    return fanout_asset(COMMENTS, video_keys, daily, description, make_collector, decided_by=[settings])


def playlists_asset(monitoring: Monitoring, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:  # fmt: skip
    def make_collector(lake: LakeResource) -> DayCollector:
        def collect_day(
            client: ResearchApi, day: date, part: dict[str, str], lineage: dict[str, str], spend: Spend, now: datetime
        ) -> None:  # fmt: skip
            videos = day_videos(lake, monitoring.queries, day, ["id", "playlist_id"])
            ids = sorted({p for p in videos["playlist_id"].to_pylist() if p is not None})
            stamp, window = (
                collected_at(now),
                (day, day + timedelta(days=1)),
            )  # the day of the videos citing it

            def playlist(playlist_id: int) -> list[pa.Table]:
                record = collect_playlist(client, playlist_id, spend)
                return [normalize(PLAYLISTS.dataset, [record], stamp, window)] if record is not None else []

            checkpoint = Checkpoint(lake.storage, PLAYLISTS.dataset, part, lineage["root_run_id"])
            with lake.writer(PLAYLISTS.dataset, part, metadata=lineage) as writer:
                collect_units(writer, checkpoint, ids, playlist)
            checkpoint.clear()

        return collect_day

    return fanout_asset(PLAYLISTS, video_keys, daily, PLAYLISTS.description, make_collector)
