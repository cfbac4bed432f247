"""The Research API audited against EnsembleData, from marts.video_source_reconciliation.

Two questions researchers ask of the Research API (published audits found it misses videos and under-reports
views): does it return every video of an account and window that another source sees (coverage), and are its
counts those another source reads at the same time (deltas)?
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

MART = "marts.video_source_reconciliation"


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Over the comparable videos (accounts and windows both sources collected): how many each source missed."""
    comparable, both, research_only, ensembledata_only = con.execute(
        f"""
        select count(*), count(*) filter (where coverage = 'both'),
               count(*) filter (where coverage = 'research_only'),
               count(*) filter (where coverage = 'ensembledata_only')
        from {MART} where comparable
        """
    ).fetchone()
    one_sided = research_only + ensembledata_only
    return {
        "comparable_videos": comparable,
        "seen_by_both": both,
        "research_only": research_only,
        "ensembledata_only": ensembledata_only,
        "one_sided_share": (one_sided / comparable) if comparable else 0.0,
    }


def per_account(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per account of the comparable scope: coverage, and how the Research API's counts compare."""
    return con.execute(
        f"""
        select
            username,
            count(*)                                               as comparable_videos,
            count(*) filter (where coverage = 'both')              as seen_by_both,
            count(*) filter (where coverage = 'research_only')     as research_only,
            count(*) filter (where coverage = 'ensembledata_only') as ensembledata_only,
            sum(research_view_count)                               as research_views,
            sum(ensembledata_view_count) filter (where coverage = 'both') as ensembledata_views,
            median(view_count_delta)                               as median_view_delta,
            count(*) filter (where attributes_match = false)       as attribute_mismatches
        from {MART}
        where comparable
        group by username
        order by username
        """
    ).df()


def videos(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every video both sources saw, with its counts on each side."""
    return con.execute(
        f"""
        select video_id, username, created_date, observation_gap_s, research_view_count,
               ensembledata_view_count, view_count_delta, like_count_delta, comment_count_delta,
               share_count_delta, attributes_match
        from {MART}
        where coverage = 'both'
        order by video_id
        """
    ).df()


def reconciliation_chart(both: pd.DataFrame, accounts: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(11, 5))
    scatter, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    if both.empty:
        scatter.text(0.5, 0.5, "no video seen by both sources yet", ha="center", va="center",
                     transform=scatter.transAxes)  # fmt: skip
    else:
        x = both["ensembledata_view_count"].astype(float) + 1
        y = both["research_view_count"].astype(float) + 1
        points = scatter.scatter(x, y, c=both["observation_gap_s"].astype(float) / 3600, s=10, cmap="viridis")
        top = float(np.nanmax([x.max(), y.max()]))
        scatter.plot([1, top], [1, top], color="grey", lw=1, ls="--", label="equal counts")
        scatter.set_xscale("log")
        scatter.set_yscale("log")
        fig.colorbar(points, ax=scatter, label="hours between the observations")
        scatter.legend(fontsize=8)
    scatter.set_xlabel("views by EnsembleData (+1)")
    scatter.set_ylabel("views by the Research API (+1)")
    scatter.set_title("Views of the same video, nearest observations")
    if accounts.empty:
        bars.text(
            0.5, 0.5, "no comparable account and window", ha="center", va="center", transform=bars.transAxes
        )
    else:
        index = np.arange(len(accounts))
        bottom = np.zeros(len(accounts))
        for column, color in (("seen_by_both", "#4c72b0"), ("research_only", "#dd8452"),
                              ("ensembledata_only", "#55a868")):  # fmt: skip
            values = accounts[column].to_numpy(dtype=float)
            bars.bar(index, values, bottom=bottom, label=column.replace("_", " "), color=color)
            bottom += values
        bars.set_xticks(index, accounts["username"], rotation=45, ha="right", fontsize=8)
        bars.legend(fontsize=8)
    bars.set_ylabel("videos in comparable windows")
    bars.set_title("Coverage: which source saw each video")
    fig.tight_layout()
    return fig
