"""When videos are posted: hour of day × weekday (UTC), from marts.fct_videos."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def posting_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Videos and median engagement per (ISO weekday, UTC hour); all 7 × 24 cells, zeros included."""
    return con.execute(
        """
        with grid as (
            select d as isodow, h as hour
            from range(1, 8) as t1(d), range(0, 24) as t2(h)
        ),
        counts as (
            select
                created_isodow_utc as isodow,
                created_hour_utc   as hour,
                count(*)           as videos,
                median(engagement) as median_engagement
            from marts.fct_videos
            where created_at is not null
            group by all
        )
        select
            grid.isodow, grid.hour,
            coalesce(counts.videos, 0)::bigint as videos,
            counts.median_engagement
        from grid left join counts using (isodow, hour)
        order by isodow, hour
        """
    ).df()


def posting_heatmap(df: pd.DataFrame) -> Figure:
    grid = np.zeros((7, 24))
    for row in df.itertuples(index=False):
        grid[int(row.isodow) - 1, int(row.hour)] = row.videos
    fig = Figure(figsize=(11, 4))
    ax = fig.subplots()
    image = ax.imshow(grid, aspect="auto", cmap="viridis")
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of posting (UTC)")
    ax.set_title(f"Videos posted by weekday and hour (UTC) — {int(grid.sum()):,} videos")
    fig.colorbar(image, ax=ax, label="videos")
    return fig
