"""Posted-day assets: the monitored accounts' posts (``user_posts``) and their comments, by UTC day of creation.

User posts: a run of one day or a backfill range asks each account once for its window — from the window's
end back (``start_cursor``; a recent window starts at the top so pinned posts are seen) to
``oldest_createtime`` = the window's start. The API gives pinned posts (``is_top``) only on a call without a
cursor and leaves them out of the cursor walk, so an older window adds one ``depth=1`` call from the top per
account (``pinned_chain``) whose pinned posts go to their days. ``depth`` (10 posts a unit, paid whether or
not the chunks come back) starts at one chunk and then follows the posting rate each call shows over what is left of the window,
rounded down: under-estimating costs one more request, never a unit; over-asking would waste units. The last chunk overshoots into older posts; rows outside the run's days are
dropped. Every day's file is written when all accounts are done, so a reader never sees half a day.

Comments fan out over the day's posts in the lake, like Research comments.
"""

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from tiktok_assets.clients.errors import ApiError, UserUnavailableError
from tiktok_assets.clients.pages import Page
from tiktok_assets.clock import day_span
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.lineage import run_lineage, stored_by_this_run
from tiktok_assets.collect.metadata import finish, quota_left
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import Monitoring
from tiktok_assets.config.ensembledata import EnsembleDataSettings
from tiktok_assets.defs.ensembledata.chains import Chain, Walker
from tiktok_assets.defs.ensembledata.common import asset_defaults, collecting, unavailable_reason
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
    from_top = reads_from_top(last, now)
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


def reads_from_top(last: date, now: datetime) -> bool:
    """Whether the walk of a window ending on ``last`` starts at the top, and so sees the pinned posts itself."""
    _, end = day_span(last, last)
    return now.timestamp() - end <= RECENT.total_seconds()


def pinned_chain(username: str, settings: EnsembleDataSettings, last: date, now: datetime) -> Chain | None:
    """The one call from the top that shows an account's pinned posts, for a window ending before ``RECENT``
    (a recent window's walk starts at the top and sees them); None when the walk sees them itself."""
    if reads_from_top(last, now):
        return None
    if username in settings.sec_uids:
        return Chain(
            ed.USER_POSTS_BY_SECUID.path, {"secUid": settings.sec_uids[username], "depth": 1}, single=True
        )
    return Chain(ed.USER_POSTS.path, {"username": username, "depth": 1}, single=True)


def pinned_only(table: pa.Table) -> pa.Table:
    """The pinned rows of a top call: its timeline rows are the cursor walk's (never written twice)."""
    return table.filter(pc.fill_null(table["is_top"], False))


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
        # the days this attempt walks: a page with no row of them goes to the first, never to a resumed day
        spend, by_day = Spend(), DaySpend(todo)
        by_day.track_pinned()  # every day says what its pinned-post share was, 0 included
        if todo:
            window = (todo[0], todo[-1] + timedelta(days=1))
            journal = Journal(lake.storage, root, f"ensembledata/user_posts/{todo[0]}..{todo[-1]}")
            walker = Walker(ensembledata.client(), journal, ensembledata.now, spend, window)
            writers = {d: lake.writer(ds.USER_POSTS, _part(d), metadata=lineage) for d in todo}
            with collecting(context, spend, ensembledata.units_left):
                try:
                    for username in monitoring.accounts:
                        _walk_account(walker, username, settings, todo, writers, by_day, ensembledata.now())
                    for writer in writers.values():
                        writer.commit()
                except BaseException:
                    for writer in writers.values():
                        writer.abort()  # uncommitted days stay as they were; the journal keeps what was fetched
                    raise
            journal.clear()
        resumed = [d for d in days if d not in todo]
        return _finish(context, lake, ensembledata, endpoint, days, spend, by_day, resumed=resumed)

    return _user_posts


def _walk_account(
    walker: Walker, username: str, settings: EnsembleDataSettings, todo: Sequence[date],
    writers: Mapping[date, PartitionWriter], by_day: DaySpend, now: datetime,
) -> None:  # fmt: skip
    """One account's posts of the days ``todo`` into their writers; an account the API refuses is recorded."""
    pins = pinned_chain(username, settings, todo[-1], now)
    walk = user_posts_chain(username, settings, todo[0], todo[-1], now)
    try:
        for chain in (pins, walk) if pins else (walk,):
            for fetched in walker.tables(chain):
                table = pinned_only(fetched.table) if chain is pins else fetched.table
                parts = split_by_day(table, set(todo))
                rows = {d: t.num_rows for d, t in parts.items()}
                # The top call serves the whole window: its cost is shared evenly among the days, and kept
                # apart too (``pinned_units``): a forecast of a recent window, which needs no such call, leaves it out.
                by_day.add(dict.fromkeys(todo, 1) if chain is pins else rows, fetched, pinned=chain is pins)
                for d, part in parts.items():
                    writers[d].write(part)
    except UserUnavailableError as exc:
        walker.spend.unavailable[username] = exc.reason
        by_day.add(dict.fromkeys(todo, 1), exc.attempts)  # the refused call's attempts: the window's, evenly


def _part(day: date) -> dict[str, str]:
    return {"date": day.isoformat()}


def _finish(
    context: dg.AssetExecutionContext, lake: LakeResource, ensembledata: EnsembleDataResource,
    endpoint: Endpoint, days: Sequence[date], spend: Spend, by_day: DaySpend,
    unavailable: Mapping[str, Mapping[str, str]] | None = None, resumed: Sequence[date] = (),
) -> dg.MaterializeResult:  # fmt: skip
    """The materialization: rows and spend per day (each day's share of the walks, ``DaySpend``) and what was
    unavailable that day; the run's whole spend in its summary. A day an earlier attempt of the run stored
    (``resumed``) has no spend figures: what fetching it cost is in that attempt's run summary, and a 0 here
    would read as a free day to the forecasts (``forecast.history``)."""
    parts = {d.isoformat(): _part(d) for d in days}
    skipped = {d.isoformat() for d in resumed}
    per_day = {day.isoformat(): f for day, f in by_day.per_day().items() if day.isoformat() not in skipped}
    quota = quota_left(ensembledata.units_left, context.log)
    extra: dict[str, dict[str, Any]] = {
        k: {name: f[name] for name in ("units_spent", "pinned_units") if name in f}
        for k, f in per_day.items()
    }
    extra |= {k: {"spent_by": "an earlier attempt of this run"} for k in skipped}
    for k, gone in (unavailable or {}).items():
        extra[k]["unavailable"] = dg.MetadataValue.json(dict(gone))
    return finish(
        context, lake.storage, endpoint.dataset, parts, spend, quota, time_rule=endpoint.time_rule,
        partition_requests={k: f["requests_spent"] for k, f in per_day.items()}, partition_extra=extra,
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
        unavailable: dict[str, dict[str, str]] = {}  # per day: posts deleted or restricted since user_posts
        resumed: list[date] = []
        with collecting(context, spend, ensembledata.units_left):
            for day in days:
                if stored_by_this_run(lake.storage, ds.COMMENTS, _part(day), root):
                    resumed.append(day)
                    continue
                posts = lake.read(ds.USER_POSTS, _part(day), ["aweme_id", "comment_count"])
                if posts is None:
                    raise dg.Failure(f"ensembledata/user_posts has no partition {day}: materialize it first")
                journal = Journal(lake.storage, root, f"ensembledata/comments/{day}")
                walker = Walker(
                    ensembledata.client(), journal, ensembledata.now, spend, (day, day + timedelta(days=1))
                )
                gone: dict[str, str] = {}
                with lake.writer(ds.COMMENTS, _part(day), metadata=lineage) as writer:
                    for aweme_id in top_commented(posts, settings) if settings.comments.enabled else []:
                        reason = _comments_of(
                            walker, writer, aweme_id, settings.comments.replies, by_day, day
                        )
                        if reason is not None:
                            gone[str(aweme_id)] = reason
                journal.clear()
                if gone:
                    unavailable[day.isoformat()] = gone
                    spend.unavailable.update(gone)
        return _finish(context, lake, ensembledata, endpoint, days, spend, by_day, unavailable, resumed)

    return _comments


def _comments_of(
    walker: Walker, writer: PartitionWriter, aweme_id: int, replies: bool, by_day: DaySpend, day: date
) -> str | None:
    """Write one post's comments (and replies); or, when the post was deleted (404) or its author went private
    (520) since ``user_posts`` saw it, write none of them and return why (any other error fails the run).
    Pages are held until the post is done, so a post is whole in its day or absent."""
    tables: list[pa.Table] = []
    try:
        for fetched in walker.tables(Chain(ed.COMMENTS.path, {"aweme_id": aweme_id})):
            tables.append(fetched.table)
            by_day.add({day: 1}, fetched)
            if not replies:
                continue
            counts = fetched.table.select(["cid", "reply_comment_count"]).to_pylist()
            for comment in (c for c in counts if (c["reply_comment_count"] or 0) > 0):
                chain = Chain(ed.COMMENT_REPLIES.path, {"aweme_id": aweme_id, "comment_id": comment["cid"]})
                for reply_page in walker.tables(chain):
                    tables.append(reply_page.table)
                    by_day.add({day: 1}, reply_page)
    except ApiError as exc:
        by_day.add({day: 1}, exc.attempts)  # what asking the gone post cost, as the run's summary counts it
        return unavailable_reason(exc)
    for table in tables:
        writer.write(table)
    return None
