"""Hashtag momentum: which tags are rising or falling, from marts.hashtag_daily."""

from __future__ import annotations

import duckdb
import pandas as pd
from matplotlib.figure import Figure

WINDOW_DAYS = 7
MIN_VIDEOS = 2  # a tag needs this many videos over both windows to rank (one video is noise)


def momentum_table(con: duckdb.DuckDBPyConnection, window_days: int = WINDOW_DAYS) -> pd.DataFrame:
    """Videos per tag in the last ``window_days`` (ending at the newest day in the data) vs the window before.

    ``momentum`` = (recent − previous) / (previous + 1): +1 means one more video than nothing before; the +1
    keeps new tags finite. Sorted from most rising to most falling.
    """
    return con.execute(
        """
        with bounds as (select max(day) as last_day from marts.hashtag_daily),
        windows as (
            select
                hashtag,
                sum(videos) filter (where day > last_day - ?::int)                            as recent_videos,
                sum(videos) filter (where day <= last_day - ?::int and day > last_day - 2 * ?::int)
                                                                                               as previous_videos,
                sum(engagement) filter (where day > last_day - ?::int)                        as recent_engagement,
                max(last_day)                                                                  as last_day
            from marts.hashtag_daily, bounds
            group by hashtag
        )
        select
            hashtag,
            coalesce(recent_videos, 0)::bigint                         as recent_videos,
            coalesce(previous_videos, 0)::bigint                       as previous_videos,
            coalesce(recent_engagement, 0)::bigint                     as recent_engagement,
            (coalesce(recent_videos, 0) - coalesce(previous_videos, 0))
                / (coalesce(previous_videos, 0) + 1.0)                 as momentum,
            last_day
        from windows
        where coalesce(recent_videos, 0) + coalesce(previous_videos, 0) >= ?
        order by momentum desc, recent_videos desc, hashtag
        """,
        [window_days, window_days, window_days, window_days, MIN_VIDEOS],
    ).df()


def rising_falling(df: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    rising = df[df["momentum"] > 0].head(n)
    falling = (
        df[df["momentum"] < 0].sort_values(["momentum", "previous_videos"], ascending=[True, False]).head(n)
    )
    return rising, falling


def momentum_chart(df: pd.DataFrame, n: int = 10, window_days: int = WINDOW_DAYS) -> Figure:
    rising, falling = rising_falling(df, n)
    fig = Figure(figsize=(10, 5.5))
    left, right = fig.subplots(1, 2)
    for ax, part, colour, title in (
        (left, rising, "tab:green", "Rising"),
        (right, falling, "tab:red", "Falling"),
    ):
        part = part.iloc[::-1]
        ax.barh(part["hashtag"].map(lambda t: f"#{t}"), part["momentum"], color=colour)
        ax.set_title(f"{title} hashtags ({len(part)})")
        ax.set_xlabel(f"momentum: videos, last {window_days} d vs {window_days} d before")
        ax.grid(axis="x", alpha=0.3)
        if part.empty:
            ax.text(
                0.5, 0.5, f"no {title.lower()} hashtags", ha="center", va="center", transform=ax.transAxes
            )
            ax.set_yticks([])
    last = df["last_day"].max() if len(df) else None
    fig.suptitle(f"Hashtag momentum up to {pd.Timestamp(last).date() if last is not None else 'n/a'}")
    return fig
