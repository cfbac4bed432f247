"""Engagement trends of the monitored accounts, from marts.account_daily."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

TOP_FALLBACK = 8  # accounts to show when none of the monitored ones are in the warehouse


def engagement_table(con: duckdb.DuckDBPyConnection, accounts: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Per account and day: posts, engagement of the day's posts, growth seen that day, followers.

    Returns the table and which accounts it covers ("monitored" or "top N by engagement" when none of the
    monitored accounts has data yet — e.g. before the first collection).
    """
    monitored = con.execute(
        "select distinct username from marts.account_daily where list_contains(?, username)", [list(accounts)]
    ).fetchall()
    if monitored:
        chosen, label = [r[0] for r in monitored], "monitored accounts"
    else:
        rows = con.execute(
            "select username from marts.account_daily group by username "
            "order by sum(engagement_of_videos_posted) desc, username limit ?",
            [TOP_FALLBACK],
        ).fetchall()
        chosen, label = (
            [r[0] for r in rows],
            f"top {TOP_FALLBACK} accounts by engagement (no monitored account has data)",
        )
    df = con.execute(
        """
        select
            username, day, videos_posted, views_of_videos_posted, engagement_of_videos_posted,
            views_gained, likes_gained, comments_gained, shares_gained, followers, followers_gained,
            avg(engagement_of_videos_posted) over (
                partition by username order by day rows between 6 preceding and current row
            ) as engagement_7d_avg
        from marts.account_daily
        where list_contains(?, username)
        order by username, day
        """,
        [chosen],
    ).df()
    return df, label


def engagement_chart(df: pd.DataFrame, label: str) -> Figure:
    fig = Figure(figsize=(10, 6.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for username, group in df.groupby("username", sort=True):
        posted = group[group["videos_posted"] > 0]
        top.plot(posted["day"], posted["engagement_of_videos_posted"], marker="o", ms=3, label=username)
        followers = group.dropna(subset=["followers"])
        if not followers.empty:
            bottom.plot(followers["day"], followers["followers"], marker=".", label=username)
    top.set_title(f"Engagement (likes + comments + shares) of videos posted each day — {label}")
    top.set_ylabel("engagement of the day's videos")
    bottom.set_title("Followers (daily profile snapshot)")
    bottom.set_ylabel("followers")
    bottom.set_xlabel("day (UTC)")
    if len(df):
        top.legend(fontsize=7, ncol=2)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if df.empty:
        top.text(0.5, 0.5, "no account data yet", ha="center", va="center", transform=top.transAxes)
    fig.autofmt_xdate()
    return fig
