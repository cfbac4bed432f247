"""Where each VCE query's videos come from, and under which hashtags: region × hashtag, from the aggregate
mart ``marts.vce_hashtag_region_daily`` (aggregates are what may leave a VCE, so the analysis reads only them).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

TOP_HASHTAGS = 10
TOP_REGIONS = 8
NO_HASHTAG = "(none)"


def region_hashtag_table(
    con: duckdb.DuckDBPyConnection, top_hashtags: int = TOP_HASHTAGS, top_regions: int = TOP_REGIONS
) -> pd.DataFrame:
    """Per query: videos, creators and views over the whole window for each (region, hashtag) among the
    query's ``top_hashtags`` hashtags and ``top_regions`` regions (ranked by videos; ties by name).

    A video with several hashtags counts under each, so a region's rank is by video-hashtag pairs."""
    return con.execute(
        """
        with totals as (
            select query, region_code, hashtag,
                   sum(videos)::bigint as videos, sum(creators)::bigint as creator_days,
                   sum(views)::bigint as views, min(day) as first_day, max(day) as last_day
            from marts.vce_hashtag_region_daily
            where hashtag <> ?
            group by all
        ),
        tags as (
            select query, hashtag from (
                select query, hashtag, row_number() over (
                    partition by query order by sum(videos) desc, hashtag) as r
                from totals group by query, hashtag)
            where r <= ?
        ),
        regions as (
            select query, region_code from (
                select query, region_code, row_number() over (
                    partition by query order by sum(videos) desc, region_code) as r
                from totals group by query, region_code)
            where r <= ?
        )
        select totals.*
        from totals join tags using (query, hashtag) join regions using (query, region_code)
        order by query, videos desc, hashtag, region_code
        """,
        [NO_HASHTAG, top_hashtags, top_regions],
    ).df()


def region_hashtag_chart(df: pd.DataFrame) -> Figure:
    """One heatmap per query: hashtags (rows) × regions (columns), videos in each cell."""
    queries = sorted(df["query"].unique()) if len(df) else []
    fig = Figure(figsize=(11, 4.2 * max(1, len(queries))))
    axes = np.atleast_1d(fig.subplots(max(1, len(queries)), 1))
    if not queries:
        axes[0].text(0.5, 0.5, "no VCE results yet", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return fig
    for ax, query in zip(axes, queries, strict=True):
        part = df[df["query"] == query]
        grid = part.pivot_table(
            index="hashtag", columns="region_code", values="videos", aggfunc="sum", fill_value=0
        )
        grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False).index]
        grid = grid[grid.sum(axis=0).sort_values(ascending=False).index]
        image = ax.imshow(grid.to_numpy(), aspect="auto", cmap="viridis")
        ax.set_yticks(range(len(grid.index)), [f"#{t}" for t in grid.index])
        ax.set_xticks(range(len(grid.columns)), list(grid.columns))
        top = grid.to_numpy().max()
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            if value:  # dark text on the bright end of viridis, white on the dark end
                colour = "black" if value > top * 0.6 else "white"
                ax.text(j, i, f"{int(value)}", ha="center", va="center", color=colour, fontsize=8)
        days = (
            f"{pd.Timestamp(part['first_day'].min()).date()}..{pd.Timestamp(part['last_day'].max()).date()}"
        )
        ax.set_title(f"VCE query {query}: videos by hashtag and region, {days}")
        fig.colorbar(image, ax=ax, label="videos")
    return fig
