"""Research API assets (group ``research``): the named video queries, their comments and playlists, user-info
snapshots and per-account snapshots — each written to the Parquet lake through ``LakeResource``.

This module knows Dagster, not HTTP: every API call goes through the ``research_api`` resource's client.
Partition choices (and why) are stated in each asset's description; see ``tiktok_assets.partitions``.
(No ``from __future__ import annotations``: Dagster inspects the ``context`` annotation at definition time.)
"""

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import pyarrow as pa
from dagster import AssetExecutionContext

from tiktok_assets import automation, checks
from tiktok_assets.clients.errors import UserUnavailableError
from tiktok_assets.clients.pages import ResumeState
from tiktok_assets.config import CommentSettings, Monitoring, VideoQuery, load_monitoring
from tiktok_assets.lake import schemas
from tiktok_assets.lake_resource import LAKE, LakeResource
from tiktok_assets.partitions import accounts_partitions, clock_now, daily_partitions, snapshot_partitions

GROUP = "research"
POOL = "research_api"  # limit in dagster.yaml: one Research API step at a time (the quota is per project)
MAX_WINDOW_DAYS = 30  # the API's longest start_date..end_date span
# A backfill runs 30 daily partitions per run: one API search window per run, a checkpoint per window.
RANGE_POLICY = dg.BackfillPolicy.multi_run(max_partitions_per_run=MAX_WINDOW_DAYS)
ACCOUNT_DATASETS = ("followers", "following", "liked_videos", "pinned_videos", "reposted_videos")
RESOURCE_KEYS = {"research_api", "lake"}

# --- small helpers -------------------------------------------------------------------------------------------


def _now(source: Any = None) -> datetime:
    """When a collection happens (``collected_at``, account ``snapshot=`` folders): ``source.now()`` when the
    research resource or its client can tell (a backend with its own clock), else ``partitions.clock_now()``:
    ``$TIKTOK_CLOCK_NOW`` when set (the demo sets it to the sandbox's fixed clock), else the wall clock.
    Never an HTTP call."""
    now_fn = getattr(source, "now", None)
    now = now_fn() if callable(now_fn) else clock_now()
    return now.astimezone(UTC).replace(microsecond=0)


def column_schema(dataset: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schemas.SCHEMAS[dataset]])


def markdown_preview(table: pa.Table | None, columns: Sequence[str], rows: int = 5) -> dg.MetadataValue:
    if table is None or table.num_rows == 0:
        return dg.MetadataValue.md("_no rows_")
    cols = [c for c in columns if c in table.column_names]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.select(cols).slice(0, rows).to_pylist():
        cells = [str(row[c]).replace("|", "\\|").replace("\n", " ")[:60] for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The UTC days of this run (a single partition or a range from a backfill)."""
    window = context.partition_time_window
    start, end = window.start.astimezone(UTC).date(), window.end.astimezone(UTC).date()
    return [start + timedelta(days=i) for i in range((end - start).days)]


def windows(days: Sequence[date], max_days: int = MAX_WINDOW_DAYS) -> list[tuple[date, date]]:
    """Contiguous runs of ``days`` cut into inclusive ``(first, last)`` windows of at most ``max_days``."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and (day - out[-1][1]).days == 1 and (day - out[-1][0]).days < max_days:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def run_lineage(context: dg.AssetExecutionContext) -> dict[str, str]:
    """Footer metadata of every file this run writes; ``root_run_id`` lets a re-execution resume."""
    run = context.run
    # A resume launched by the quota retry sensor names its root in a tag (a RunRequest cannot be a re-execution).
    root = run.tags.get(automation.RESUME_TAG) or run.root_run_id or run.run_id
    return {"run_id": run.run_id, "root_run_id": root}


def _stored_by_this_run(lake: LakeResource, dataset: str, partition: Mapping[str, str], root: str) -> bool:
    """True when an earlier attempt of this run (same root run) already committed the partition."""
    footer = lake.footer(dataset, partition)
    return bool(footer) and footer.get("root_run_id") == root


@dataclass
class Spend:
    """What a run spent and saw, for metadata."""

    requests: int = 0
    records: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)

    def pages(self, pages: Iterable[Any]) -> Iterator[Any]:
        for page in pages:
            self.requests += int(getattr(page, "requests", 1) or 0)
            self.records += len(page.records)
            yield page


# --- the client boundary ---------------------------------------------------------------------------------------


@contextmanager
def research_client(context: dg.AssetExecutionContext) -> Iterator[Any]:
    """The resource's ResearchClient (the resource owns and closes it); QuotaExhaustedError fails the step as
    itself, after a note. No RetryPolicy: retrying before the UTC-midnight reset only spends requests to fail.
    """
    client = context.resources.research_api.client()
    try:
        yield client
    except Exception as exc:
        resets_at = getattr(exc, "resets_at", None)
        if resets_at is not None:
            context.log.error(
                f"Research API quota exhausted; it resets at {resets_at.isoformat()}. The "
                f"{automation.QUOTA_RETRY_SENSOR} resumes this run after that (or re-execute it from failure): "
                "partitions it already stored are skipped, the rest resume."
            )
        raise


def _quota_left(context: dg.AssetExecutionContext, client: Any) -> dict[str, int]:
    """Requests left today per quota bucket, from the shared ledger (informational: never fails a run)."""
    try:
        quota_left = getattr(context.resources.research_api, "quota_left", None)
        if quota_left is not None:
            return dict(quota_left())
        ledger, budgets = getattr(client, "ledger", None), getattr(client, "budgets", {})
        if ledger is None:
            return {}
        day = datetime.fromtimestamp(client.clock(), UTC)
        return {b: ledger.remaining("research", b, budget, day).requests for b, budget in budgets.items()}
    except Exception as exc:  # noqa: BLE001
        context.log.debug(f"quota figure unavailable: {type(exc).__name__}")
        return {}


# --- metadata and checks of a finished step ---------------------------------------------------------------------

_VIDEO_PREVIEW = ["id", "create_time", "username", "region_code", "view_count", "video_description"]
_PREVIEW_COLUMNS: dict[str, list[str]] = {
    "videos": _VIDEO_PREVIEW,
    "liked_videos": _VIDEO_PREVIEW,
    "pinned_videos": _VIDEO_PREVIEW,
    "reposted_videos": _VIDEO_PREVIEW,
    "comments": ["id", "video_id", "create_time", "like_count", "reply_count", "text"],
    "user_info": ["username", "status", "follower_count", "following_count", "likes_count", "video_count"],
    "followers": ["username", "display_name"],
    "following": ["username", "display_name"],
    "playlists": ["playlist_id", "playlist_name", "playlist_item_total", "playlist_last_updated"],
}


def _finish(
    context: dg.AssetExecutionContext, lake: LakeResource, dataset: str,
    partitions: Mapping[str, Mapping[str, str]], spend: Spend, client: Any, *, time_rule: str | None,
    extra: Mapping[str, Any] | None = None,
) -> dg.MaterializeResult:  # fmt: skip
    """Row counts per partition, the run's spend, schema and preview; then the checks over what was written.

    ``partitions`` maps each Dagster partition key of this run to its lake partition.
    """
    total, preview_from = 0, None
    per_partition: dict[str, Any] = {}
    ranged = len(partitions) > 1
    for key, lake_partition in partitions.items():
        rows = lake.rows(dataset, lake_partition) or 0  # from the footer: no data read
        total += rows
        preview_from = lake_partition if rows else preview_from
        per_partition = {
            "dagster/row_count": rows,
            "rows": rows,
            "lake_path": str(lake.path(dataset, lake_partition)),
        }
        if ranged:  # a range run: each partition's own count, not the run's total
            context.add_asset_metadata(per_partition, partition_key=key)
    columns = _PREVIEW_COLUMNS[dataset]
    preview_table = lake.head(dataset, preview_from, columns) if preview_from else None
    metadata: dict[str, Any] = {
        **({} if ranged else per_partition),
        "requests_spent": spend.requests,
        "records_received": spend.records,
        "run_rows": total,
        "dagster/column_schema": column_schema(dataset),
        "preview": markdown_preview(preview_table, columns),
        **{f"quota_{name}": left for name, left in _quota_left(context, client).items()},
        **(extra or {}),
    }
    if spend.unavailable:
        metadata["unavailable"] = dg.MetadataValue.json(spend.unavailable)
    results = checks.evaluate(
        context.asset_key,
        dataset,
        lambda p: lake.read(dataset, p, checks.needed_columns(dataset)),
        list(partitions.values()),
        time_rule=time_rule,
    )
    return dg.MaterializeResult(metadata=metadata, check_results=results)


def _asset_defaults(
    key: dg.AssetKey, dataset: str, partitions_def: dg.PartitionsDefinition, time_rule: str | None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``@dg.asset`` arguments every asset of the group shares: the pool, the lake resources, the checks."""
    return {
        "key": key,
        "group_name": GROUP,
        "partitions_def": partitions_def,
        "pool": POOL,
        "kinds": {"parquet"},
        "required_resource_keys": RESOURCE_KEYS,
        "check_specs": checks.check_specs(key, dataset, time_rule=time_rule),
        "metadata": {"dagster/column_schema": column_schema(dataset), **(metadata or {})},
    }


# --- videos of a named query ---------------------------------------------------------------------------------


def _video_part(query: str, day: date) -> dict[str, str]:
    return {"query": query, "date": day.isoformat()}


def _resume_state(lake: LakeResource, query: str, day: date, root: str) -> ResumeState | None:
    """The client's resume primitive: the oldest video this run already stored, on the day after a gap."""
    part = _video_part(query, day)
    if not _stored_by_this_run(lake, "videos", part, root):
        return None
    table = lake.read("videos", part, ["id", "create_time"])
    if table is None or table.num_rows == 0:
        return None
    oldest = table.sort_by("id").slice(0, 1).to_pylist()[0]
    return ResumeState(oldest["id"], int(oldest["create_time"].timestamp()))


def collect_videos(
    client: Any, lake: LakeResource, query: VideoQuery, days: Sequence[date], lineage: Mapping[str, str],
    spend: Spend, log: Callable[[str], None] = lambda _m: None,
) -> list[date]:  # fmt: skip
    """Fetch ``days`` of ``query``: one search per ≤30-day window, rows split into daily partitions.

    Resume: days committed by an earlier attempt of the same run (``root_run_id`` in the footer) are skipped;
    the search covers the days still missing, bounded by the oldest stored video (``ResumeState``), so pages
    already stored are not fetched again. Returns the days fetched by this attempt.
    """
    root = lineage["root_run_id"]
    todo = [d for d in days if not _stored_by_this_run(lake, "videos", _video_part(query.name, d), root)]
    if len(todo) < len(days):
        log(f"resuming: {len(days) - len(todo)} of {len(days)} days already stored by this run")
    for first, last in windows(todo):
        window_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        resume = _resume_state(lake, query.name, last + timedelta(days=1), root)
        window = (first, last + timedelta(days=1))  # stored as [start, end) instants
        router = lake.day_router(
            "videos", {"query": query.name}, window_days, metadata={**lineage, "query": query.name}
        )
        collected_at = _now(client)
        try:
            for page in spend.pages(
                client.iter_videos(query.query, first, last, max_count=100, resume=resume)
            ):
                router.write(schemas.normalize("videos", page.records, collected_at, window))
            router.finish(window_days)
        except BaseException:
            router.abort()  # days already committed stay; the rest of the window is fetched on resume
            raise
        if router.out_of_range:
            log(f"{router.out_of_range} videos outside {first}..{last} ignored")
    return todo


def video_asset(query: VideoQuery, daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = dg.AssetKey([GROUP, f"videos_{query.name}"])

    @dg.asset(
        **_asset_defaults(key, "videos", daily, "day", {"query": dg.MetadataValue.json(query.query)}),
        backfill_policy=RANGE_POLICY,
        description=(
            f"{query.description}\n\nNamed query `{query.name}`. Partitioned by UTC day of `create_time` because "
            "researchers ask for what was posted in a period; a backfill runs 30 days per run as one API search "
            "window and splits rows into daily files. Lake: `research/videos/query=<name>/date=<day>/`. Day D is "
            "scheduled on D+3 02:00 UTC: the API returns a video 48 hours after it is posted, so D is complete from D+3."
        ),
    )
    def _videos(context: AssetExecutionContext) -> dg.MaterializeResult:
        lake: LakeResource = context.resources.lake
        days = partition_days(context)
        spend = Spend()
        with research_client(context) as client:
            collect_videos(client, lake, query, days, run_lineage(context), spend, context.log.info)
        parts = {d.isoformat(): _video_part(query.name, d) for d in days}
        extra = {"window": f"{days[0]}..{days[-1]}", "query": dg.MetadataValue.json(query.query)}
        return _finish(context, lake, "videos", parts, spend, client, time_rule="day", extra=extra)

    return _videos


# --- comments and playlists of the videos of a day -----------------------------------------------------------


def _day_videos(lake: LakeResource, queries: Sequence[VideoQuery], day: date, columns: list[str]) -> pa.Table:
    """The day's videos across every named query, one row per id."""
    tables = []
    for q in queries:
        table = lake.read("videos", _video_part(q.name, day), columns)
        if table is None:
            raise dg.Failure(f"research/videos_{q.name} has no partition {day}: materialize it first")
        tables.append(table)
    merged = pa.concat_tables(tables)
    return merged.group_by("id").aggregate([(c, "max") for c in columns if c != "id"]).rename_columns(columns)


def select_comment_videos(videos: pa.Table, settings: CommentSettings) -> list[int]:
    """The most-commented videos of the day (the comment endpoint shares the video quota)."""
    minimum = max(settings.min_comment_count, 1)  # a video without comments costs a request for nothing
    rows = [r for r in videos.to_pylist() if (r["comment_count"] or 0) >= minimum]
    rows.sort(key=lambda r: (-(r["comment_count"] or 0), -r["id"]))
    return [r["id"] for r in rows[: settings.max_videos_per_day]]


def collect_comments(
    client: Any,
    writer: Any,
    video_ids: Sequence[int],
    replies: bool,
    spend: Spend,
    window: tuple[date, date] | None = None,
) -> None:
    """Every reachable comment (and, if asked, reply) of ``video_ids``; ``window`` = the videos' day."""
    collected_at = _now(client)
    for video_id in video_ids:
        for page in spend.pages(client.iter_comments(video_id)):
            writer.write(schemas.normalize("comments", page.records, collected_at, window))
            for comment in page.records if replies else ():
                if (comment.get("reply_count") or 0) > 0:
                    for reply_page in spend.pages(client.iter_replies(comment["id"], video_id=video_id)):
                        writer.write(schemas.normalize("comments", reply_page.records, collected_at, window))


def collect_playlist(client: Any, playlist_id: int, spend: Spend) -> dict[str, Any] | None:
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


# What one UTC day of a day-partitioned asset collects: (client, day, lake partition, lineage, spend); it opens
# its own writer so that whatever it reads first (the day's videos) can fail before anything is written.
DayCollector = Callable[[Any, date, dict[str, str], dict[str, str], Spend], None]


def _collect_days(
    context: AssetExecutionContext, dataset: str, collect_day: DayCollector, *, time_rule: str | None
) -> dg.MaterializeResult:
    """Run ``collect_day`` for each day of the run that an earlier attempt of it has not stored, then finish."""
    lake: LakeResource = context.resources.lake
    days = partition_days(context)
    lineage = run_lineage(context)
    spend = Spend()
    with research_client(context) as client:
        for day in days:
            part = {"date": day.isoformat()}
            if _stored_by_this_run(lake, dataset, part, lineage["root_run_id"]):
                continue
            collect_day(client, day, part, lineage, spend)
    parts = {d.isoformat(): {"date": d.isoformat()} for d in days}
    extra = {"window": f"{days[0]}..{days[-1]}"}
    return _finish(context, lake, dataset, parts, spend, client, time_rule=time_rule, extra=extra)


def _day_asset_defaults(key: dg.AssetKey, dataset: str, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition, time_rule: str | None) -> dict[str, Any]:  # fmt: skip
    return {
        **_asset_defaults(key, dataset, daily, time_rule),
        "backfill_policy": RANGE_POLICY,
        "deps": list(video_keys),
    }


def comments_asset(monitoring: Monitoring, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:  # fmt: skip
    key = dg.AssetKey([GROUP, "comments"])
    settings = monitoring.comments

    @dg.asset(
        **_day_asset_defaults(key, "comments", video_keys, daily, "after_day"),
        description=(
            "Comments and replies of the videos created that UTC day (any named query): partitioned like the "
            "videos so a day's conversation sits next to its videos. Only the "
            f"{settings.max_videos_per_day} most-commented videos a day (≥{settings.min_comment_count} comments), "
            "because comments spend the video endpoint's 1,000 requests/day. Lake: `research/comments/date=<day>/`."
        ),
    )
    def _comments(context: AssetExecutionContext) -> dg.MaterializeResult:
        lake: LakeResource = context.resources.lake

        def collect_day(
            client: Any, day: date, part: dict[str, str], lineage: dict[str, str], spend: Spend
        ) -> None:
            selected: list[int] = []
            if settings.enabled:
                videos = _day_videos(lake, monitoring.queries, day, ["id", "comment_count"])
                selected = select_comment_videos(videos, settings)
            with lake.writer("comments", part, metadata=lineage) as writer:
                collect_comments(
                    client, writer, selected, settings.replies, spend, (day, day + timedelta(days=1))
                )

        return _collect_days(context, "comments", collect_day, time_rule="after_day")

    return _comments


def playlists_asset(monitoring: Monitoring, video_keys: Sequence[dg.AssetKey], daily: dg.PartitionsDefinition) -> dg.AssetsDefinition:  # fmt: skip
    key = dg.AssetKey([GROUP, "playlists"])

    @dg.asset(
        **_day_asset_defaults(key, "playlists", video_keys, daily, None),
        description=(
            "Playlists referenced by the videos created that UTC day (any named query): partitioned by day so a "
            "playlist is read as it stood when its videos were collected. Lake: `research/playlists/date=<day>/`."
        ),
    )
    def _playlists(context: AssetExecutionContext) -> dg.MaterializeResult:
        lake: LakeResource = context.resources.lake

        def collect_day(
            client: Any, day: date, part: dict[str, str], lineage: dict[str, str], spend: Spend
        ) -> None:
            videos = _day_videos(lake, monitoring.queries, day, ["id", "playlist_id"])
            ids = sorted({p for p in videos["playlist_id"].to_pylist() if p is not None})
            collected_at = _now(client)
            with lake.writer("playlists", part, metadata=lineage) as writer:
                for playlist_id in ids:
                    record = collect_playlist(client, playlist_id, spend)
                    if record is not None:
                        window = (day, day + timedelta(days=1))  # the day of the videos that cite it
                        writer.write(schemas.normalize("playlists", [record], collected_at, window))

        return _collect_days(context, "playlists", collect_day, time_rule=None)

    return _playlists


# --- live snapshots: user info by day, account lists by account -----------------------------------------------


def user_info_asset(monitoring: Monitoring, snapshot_days: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = dg.AssetKey([GROUP, "user_info"])

    @dg.asset(
        **_asset_defaults(key, "user_info", snapshot_days, None),
        description=(
            "Profile snapshot (follower/like/video counts) of every monitored account, partitioned by the UTC day "
            "of collection: researchers compare accounts over time, and 1,000 accounts x 3 years stays 1,095 "
            "partitions. User info is live, so a partition holds what the API said when it ran (`collected_at`); "
            "run it daily (schedule) rather than backfilling the past. Private/refused accounts are rows with a "
            "`status`. Lake: `research/user_info/date=<day>/`."
        ),
    )
    def _user_info(context: AssetExecutionContext) -> dg.MaterializeResult:
        lake: LakeResource = context.resources.lake
        spend = Spend()
        collected_at = _now(context.resources.research_api)
        part = {"date": context.partition_key}
        with (
            research_client(context) as client,
            lake.writer("user_info", part, metadata=run_lineage(context)) as w,
        ):
            for username in monitoring.accounts:
                # missing_ok: a private/refused account is a fact to record (status), not a failure.
                result = client.user_info(username, missing_ok=True)
                spend.requests += int(getattr(result, "requests", 1) or 0)
                spend.records += 1
                if result.status != "ok":
                    spend.unavailable[username] = result.status
                w.write(schemas.normalize("user_info", [result.as_record()], collected_at))
        return _finish(
            context, lake, "user_info", {context.partition_key: part}, spend, client, time_rule=None
        )

    return _user_info


_ACCOUNT_CALLS: dict[str, str] = {
    "followers": "iter_followers",
    "following": "iter_following",
    "liked_videos": "iter_liked",
    "reposted_videos": "iter_reposted",
    "pinned_videos": "pinned",
}


def _account_pages(client: Any, dataset: str, username: str) -> Iterable[Any]:
    result = getattr(client, _ACCOUNT_CALLS[dataset])(username)
    return [result] if hasattr(result, "records") else result  # ``pinned`` is one response, no paging


def account_asset(dataset: str) -> dg.AssetsDefinition:
    key = dg.AssetKey([GROUP, dataset])

    @dg.asset(
        **_asset_defaults(key, dataset, accounts_partitions, None),
        description=(
            f"The {dataset.replace('_', ' ')} of a monitored account, partitioned by account (dynamic partitions "
            "that follow monitoring.yaml) because the API answers per account and only with the current state; "
            "each materialization is a dated snapshot (`snapshot=<UTC day>`) so history accumulates in the lake. "
            f"Lake: `research/{dataset}/account=<username>/snapshot=<day>/`. Private or refused accounts give an "
            "empty snapshot with the reason in metadata (`status`)."
        ),
    )
    def _account(context: AssetExecutionContext) -> dg.MaterializeResult:
        lake: LakeResource = context.resources.lake
        username = context.partition_key
        collected_at = _now(context.resources.research_api)
        part = {"account": username, "snapshot": collected_at.date().isoformat()}
        spend = Spend()
        with (
            research_client(context) as client,
            lake.writer(dataset, part, metadata=run_lineage(context)) as w,
        ):
            try:
                for page in spend.pages(_account_pages(client, dataset, username)):
                    w.write(schemas.normalize(dataset, page.records, collected_at))
            except UserUnavailableError as exc:
                # An empty snapshot says "asked, nothing returned"; the reason travels in metadata.
                spend.requests += 1
                spend.unavailable[username] = exc.reason
        extra = {"snapshot": part["snapshot"], "status": spend.unavailable.get(username, "ok")}
        return _finish(context, lake, dataset, {username: part}, spend, client, time_rule=None, extra=extra)

    return _account


# --- the group's Definitions ---------------------------------------------------------------------------------


def default_resources() -> dict[str, Any]:
    from tiktok_assets.resources import ResearchApiResource

    return {"research_api": ResearchApiResource(), "lake": LAKE}


def build_assets(monitoring: Monitoring) -> list[dg.AssetsDefinition]:
    daily = daily_partitions(monitoring.start_date, monitoring.end_date)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # backfill_policy is beta; we rely on it knowingly
        videos = [video_asset(q, daily) for q in monitoring.queries]
        video_keys = [a.key for a in videos]
        return [
            *videos,
            comments_asset(monitoring, video_keys, daily),
            playlists_asset(monitoring, video_keys, daily),
            user_info_asset(monitoring, snapshot_partitions(monitoring.start_date)),
            *(account_asset(d) for d in ACCOUNT_DATASETS),
        ]


def build_defs(monitoring: Monitoring, resources: Mapping[str, Any] | None = None) -> dg.Definitions:
    assets = build_assets(monitoring)
    jobs, schedules, sensors = automation.build(monitoring, assets)
    return dg.Definitions(
        assets=assets,
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=dict(resources) if resources is not None else default_resources(),
    )


defs = build_defs(load_monitoring())
