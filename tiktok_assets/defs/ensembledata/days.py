"""Posted-day assets: the monitored accounts' posts (``user_posts``) and their comments, by UTC day of creation.

User posts: a run of one day or a backfill range asks each account once for its window — from the window's
end back (``start_cursor``; a recent window starts at the top so pinned posts are seen) to
``oldest_createtime`` = the window's start. ``depth`` (10 posts a unit, paid whether or not the chunks come
back) starts at one chunk and then follows the posting rate each call shows over what is left of the window,
rounded down: under-estimating costs one more request, never a unit; over-asking would waste units. The last chunk overshoots into older posts; rows outside the run's days are
dropped. Every day's file is written when all accounts are done, so a reader never sees half a day.

Comments fan out over the day's posts in the lake, like Research comments.
"""

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from tiktok_assets.clients.errors import UserUnavailableError
from tiktok_assets.clients.pages import Page
from tiktok_assets.clock import day_span
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.lineage import run_lineage, stored_by_this_run
from tiktok_assets.collect.metadata import finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import Monitoring
from tiktok_assets.config.ensembledata import EnsembleDataSettings
from tiktok_assets.defs.ensembledata.chains import Chain, Walker
from tiktok_assets.defs.ensembledata.common import asset_defaults, units_note
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.ensembledata.spend import DaySpend
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research.common import partition_days
from tiktok_assets.defs.research.day_fanout import select_comment_videos
from tiktok_assets.defs.research.partitions import RANGE_POLICY  # one run per backfill: one walk per account
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.lake.writer import PartitionWriter

CHUNK = 10  # posts per unit of depth (reference)
MAX_DEPTH = 50
RECENT = timedelta(days=7)  # a window ending this close to now is read from the top (pinned posts included)


def user_posts_chain(
    username: str, settings: EnsembleDataSettings, first: date, last: date, now: datetime
) -> Chain:
    """The request walk of one account for the days ``first``..``last`` (inclusive)."""
    start, end = day_span(first, last)
    from_top = now.timestamp() - end <= RECENT.total_seconds()
    top = now.timestamp() if from_top else end
    who: dict[str, Any] = (
        {"secUid": settings.sec_uids[username]} if username in settings.sec_uids else {"username": username}
    )
    # The first call asks one chunk (every window needs at least that); each next call as many as the rate the
    # last call showed predicts for the rest of the window. Stateless, so a resumed walk asks the same.
    params = {**who, "depth": 1, "oldest_createtime": start}
    if not from_top:
        params["start_cursor"] = end * 1000  # milliseconds: posts strictly older follow

    def tune(asked: dict[str, Any], following: dict[str, Any], page: Page) -> dict[str, Any]:
        times = [int(r["create_time"]) for r in page.records if r.get("create_time") and not r.get("is_top")]
        if not times:
            return {**following, "depth": 1}
        oldest = min(times)
        covered_from = int(asked["start_cursor"]) / 1000 if asked.get("start_cursor") else top
        rate = len(times) / max(covered_from - oldest, 1)  # posts per second over what this call covered
        return {**following, "depth": _depth(rate * max(oldest - start, 0))}

    path = ed.USER_POSTS_BY_SECUID.path if "secUid" in who else ed.USER_POSTS.path
    return Chain(path, params, tune=tune)


def _depth(expected_posts: float) -> int:
    return max(1, min(MAX_DEPTH, math.floor(expected_posts / CHUNK)))


def split_by_day(table: pa.Table, days: set[date]) -> dict[date, pa.Table]:
    """Rows of ``table`` per UTC day of ``create_time``, for the days asked for only (the rest: overshoot)."""
    if table.num_rows == 0:
        return {}
    day_col = pc.cast(pc.floor_temporal(table["create_time"], unit="day"), pa.timestamp("s", tz="UTC"))
    out = {}
    for value in day_col.unique().to_pylist():
        if value is not None and value.date() in days:
            out[value.date()] = table.filter(pc.equal(day_col, pa.scalar(value, type=day_col.type)))
    return out


def user_posts_asset(monitoring: Monitoring, days_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    settings = monitoring.ensembledata
    endpoint = ed.USER_POSTS

    @dg.asset(**asset_defaults(endpoint, days_def), backfill_policy=RANGE_POLICY)
    def _user_posts(
        context: dg.AssetExecutionContext, ensembledata: EnsembleDataResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        days = partition_days(context)
        lineage = run_lineage(context)
        root = lineage["root_run_id"]
        todo = [d for d in days if not stored_by_this_run(lake.storage, ds.USER_POSTS, _part(d), root)]
        spend, by_day = Spend(), DaySpend(days)
        if todo:
            window = (todo[0], todo[-1] + timedelta(days=1))
            journal = Journal(lake.storage, root, f"ensembledata/user_posts/{todo[0]}..{todo[-1]}")
            walker = Walker(ensembledata.client(), journal, ensembledata.now, spend, window)
            writers = {d: lake.writer(ds.USER_POSTS, _part(d), metadata=lineage) for d in todo}
            wanted = set(todo)
            try:
                with units_note(context):
                    for username in monitoring.accounts:
                        chain = user_posts_chain(username, settings, todo[0], todo[-1], ensembledata.now())
                        try:
                            for fetched in walker.tables(chain):
                                parts = split_by_day(fetched.table, wanted)
                                by_day.add({d: t.num_rows for d, t in parts.items()}, fetched)
                                for d, rows in parts.items():
                                    writers[d].write(rows)
                        except UserUnavailableError as exc:
                            spend.unavailable[username] = exc.reason
                for writer in writers.values():
                    writer.commit()
            except BaseException:
                for writer in writers.values():
                    writer.abort()  # uncommitted days stay as they were; the journal keeps what was fetched
                raise
            journal.clear()
        return _finish(context, lake, ensembledata, endpoint, days, spend, by_day)

    return _user_posts


def _part(day: date) -> dict[str, str]:
    return {"date": day.isoformat()}


def _finish(
    context: dg.AssetExecutionContext, lake: LakeResource, ensembledata: EnsembleDataResource,
    endpoint: Endpoint, days: Sequence[date], spend: Spend, by_day: DaySpend,
) -> dg.MaterializeResult:  # fmt: skip
    """The materialization: rows and spend per day (each day's share of the walks, ``DaySpend``); the run's
    whole spend in its summary."""
    parts = {d.isoformat(): _part(d) for d in days}
    per_day = {day.isoformat(): figures for day, figures in by_day.per_day().items()}
    quota = quota_left(ensembledata.units_left, context.log)
    return finish(
        context, lake.storage, endpoint.dataset, parts, spend, quota, time_rule=endpoint.time_rule,
        partition_requests={k: f["requests_spent"] for k, f in per_day.items()},
        partition_extra={k: {"units_spent": f["units_spent"]} for k, f in per_day.items()},
    )  # fmt: skip


def top_commented(posts: pa.Table, settings: EnsembleDataSettings) -> list[int]:
    """The day's most-commented posts (each comment page costs a unit), chosen as for Research comments."""
    table = posts.select(["aweme_id", "comment_count"]).rename_columns(["id", "comment_count"])
    return select_comment_videos(table, settings.comments)


def comments_asset(
    monitoring: Monitoring, days_def: dg.PartitionsDefinition, posts_key: dg.AssetKey
) -> dg.AssetsDefinition:
    settings = monitoring.ensembledata
    endpoint = ed.COMMENTS
    description = endpoint.description.format(
        max_videos=settings.comments.max_videos_per_day, min_comments=settings.comments.min_comment_count
    )

    @dg.asset(
        **asset_defaults(endpoint, days_def, description), backfill_policy=RANGE_POLICY, deps=[posts_key]
    )
    def _comments(
        context: dg.AssetExecutionContext, ensembledata: EnsembleDataResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        days = partition_days(context)
        lineage = run_lineage(context)
        root = lineage["root_run_id"]
        spend, by_day = Spend(), DaySpend(days)
        with units_note(context):
            for day in days:
                if stored_by_this_run(lake.storage, ds.COMMENTS, _part(day), root):
                    continue
                posts = lake.read(ds.USER_POSTS, _part(day), ["aweme_id", "comment_count"])
                if posts is None:
                    raise dg.Failure(f"ensembledata/user_posts has no partition {day}: materialize it first")
                journal = Journal(lake.storage, root, f"ensembledata/comments/{day}")
                walker = Walker(
                    ensembledata.client(), journal, ensembledata.now, spend, (day, day + timedelta(days=1))
                )
                with lake.writer(ds.COMMENTS, _part(day), metadata=lineage) as writer:
                    for aweme_id in top_commented(posts, settings) if settings.comments.enabled else []:
                        _comments_of(walker, writer, aweme_id, settings.comments.replies, by_day, day)
                journal.clear()
        return _finish(context, lake, ensembledata, endpoint, days, spend, by_day)

    return _comments


def _comments_of(
    walker: Walker, writer: PartitionWriter, aweme_id: int, replies: bool, by_day: DaySpend, day: date
) -> None:
    for fetched in walker.tables(Chain(ed.COMMENTS.path, {"aweme_id": aweme_id})):
        writer.write(fetched.table)
        by_day.add({day: 1}, fetched)
        if not replies:
            continue
        counts = fetched.table.select(["cid", "reply_comment_count"]).to_pylist()
        for comment in (c for c in counts if (c["reply_comment_count"] or 0) > 0):
            chain = Chain(ed.COMMENT_REPLIES.path, {"aweme_id": aweme_id, "comment_id": comment["cid"]})
            for reply_page in walker.tables(chain):
                writer.write(reply_page.table)
                by_day.add({day: 1}, reply_page)
