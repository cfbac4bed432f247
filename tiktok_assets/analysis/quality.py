"""Data-quality report over the lake and the research assets' run records.

What the research assets leave behind, and what is read here:
- lake files (``<lake>/research/<dataset>/<dims>/part-0.parquet``): rows per partition from the Parquet
  footer (no data read) → missing and empty days between a dataset's first and last day;
- the run summaries each collection asset leaves per run (``collect.metadata``: ``run_requests_spent``,
  ``run_records_received``; failed runs included) → requests per record, and page fill = records / (requests ×
  100), the share of the 100-record page maximum used. Pages are not recorded one by one, so "short pages" is
  reported as this fill ratio, not a page count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd

from tiktok_assets.collect.metadata import run_spend
from tiktok_assets.lake import datasets, layout, reader
from tiktok_assets.lake.storage import LakeStorage

MAX_PAGE = 100  # records per request the Research API allows


def partition_stats(storage: LakeStorage, source: str = "research") -> pd.DataFrame:
    """One row per lake partition file of ``source``: dataset, its dims, the day (``date`` or ``snapshot``),
    rows (from the Parquet footer: no data read)."""
    rows: list[dict[str, Any]] = []
    for ds in datasets.of_source(source):
        for key in reader.partition_keys(storage, ds):
            dims = layout.parse_partition(key, ds)
            day = dims.get("date") or dims.get("snapshot")
            rows.append(
                {
                    "dataset": ds.name,
                    "query": dims.get("query", ""),
                    "account": dims.get("account", ""),
                    "day": date.fromisoformat(day) if day else None,
                    "rows": reader.file_rows(storage, key),
                }
            )
    columns = ["dataset", "query", "account", "day", "rows"]
    return pd.DataFrame(rows, columns=columns).sort_values(columns[:4]).reset_index(drop=True)


def gap_report(stats: pd.DataFrame) -> pd.DataFrame:
    """Per daily series (dataset × query, dataset × account): days covered, missing, empty (0 rows)."""
    out = []
    for (dataset, query, account), group in stats.dropna(subset=["day"]).groupby(
        ["dataset", "query", "account"], sort=True
    ):
        days = set(group["day"])
        first, last = min(days), max(days)
        expected = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        missing = [d for d in expected if d not in days]
        empty = sorted(group.loc[group["rows"] == 0, "day"])
        # Account snapshots are taken when someone runs them, not daily: a skipped day is not a gap there.
        daily = dataset in ("videos", "comments", "playlists", "user_info")
        out.append(
            {
                "dataset": dataset,
                "series": query or account or "",
                "first_day": first,
                "last_day": last,
                "partitions": len(days),
                "rows": int(group["rows"].sum()),
                "missing_days": len(missing) if daily else 0,
                "empty_partitions": len(empty),
                "missing_examples": ", ".join(str(d) for d in missing[:5]) if daily else "",
            }
        )
    columns = ["dataset", "series", "first_day", "last_day", "partitions", "rows", "missing_days",
               "empty_partitions", "missing_examples"]  # fmt: skip
    return pd.DataFrame(out, columns=columns)


def spend_report(summaries: Mapping[str, Iterable[tuple[str, Mapping[str, Any]]]]) -> pd.DataFrame:
    """Per collection asset: runs, requests, records, requests per record and page fill.

    ``summaries`` maps an asset key string to ``(run_id, metadata)`` of its run summaries (one per run and
    attempt, each that attempt's own spend, so they add up).
    """
    out = []
    for asset, events in sorted(summaries.items()):
        spent = run_spend(events)
        runs, requests, records = spent["runs"], spent["requests"], spent["records"]
        out.append(
            {
                "asset": asset,
                "runs": runs,
                "requests": requests,
                "records": records,
                "requests_per_record": requests / records if records else None,
                "page_fill": records / (requests * MAX_PAGE) if requests else None,
            }
        )
    columns = ["asset", "runs", "requests", "records", "requests_per_record", "page_fill"]
    return pd.DataFrame(out, columns=columns)


def comment_coverage(con: Any, replies_enabled: bool = True) -> dict[str, float | int | bool | None]:
    """Collected vs reported by the API, over the videos whose comments were collected (marts.comment_threads).

    ``comment_coverage`` is the share of the comments the API reported that the lake holds, per video capped at
    what it reported: a video's ``comment_count`` lags its comments by up to 10 days (reference), so the lake
    can hold more comments than the count says. Those are not a coverage above 1 but
    ``comments_beyond_reported`` (and ``videos_beyond_reported``): comments the stale count did not know of.
    Coverage below 1 is expected past the API's 1,000-comment paging limit and for comments deleted since.

    ``replies_enabled`` is monitoring.yaml's ``comments.replies``. Replies count as collected when it is on or
    the lake holds replies anyway (stored while it was on). When they are not collected, ``reply_coverage``
    is ``None`` and ``replies_collected`` is false: a ratio near 0 would read like a failed collection, but
    replies were skipped by configuration. When they are collected, ``reply_coverage`` (capped per video like
    comments) near 0 with replies reported means replies are being lost.
    """
    row = con.execute(
        """
        select
            sum(top_level_comments + replies),
            sum(comments_reported),
            sum(least(top_level_comments + replies, comments_reported)),
            sum(greatest(top_level_comments + replies - comments_reported, 0)),
            count(*) filter (where top_level_comments + replies > comments_reported),
            sum(replies),
            sum(replies_reported),
            sum(least(replies, replies_reported))
        from marts.comment_threads
        """
    ).fetchone()
    stored, reported, covered, beyond, videos_beyond, replies, replies_reported, replies_covered = row
    collected = bool(replies_enabled) or bool(replies)
    return {
        "comments_stored": int(stored or 0),
        "comments_reported": int(reported or 0),
        "comment_coverage": covered / reported if reported else None,
        "comments_beyond_reported": int(beyond or 0),
        "videos_beyond_reported": int(videos_beyond or 0),
        "replies_collected": collected,
        "replies_stored": int(replies or 0),
        "replies_reported": int(replies_reported or 0),
        "reply_coverage": replies_covered / replies_reported if collected and replies_reported else None,
    }
