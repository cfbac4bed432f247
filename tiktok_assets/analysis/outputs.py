"""Where analysis outputs land (the data folder) and how they show in the Dagster UI.

Charts are PNG files (matplotlib's Agg backend: no display needed on a server), embedded in the
materialization as base64 Markdown so the UI shows the picture itself, plus the file path. Tables are Parquet.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: servers and CI have no display

import dagster as dg  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tiktok_assets import settings  # noqa: E402


def output_dir() -> Path:
    path = settings.data_dir() / "analysis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    # A reader (the UI, a notebook) sees the old file or the new one, never half of one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def save_chart(fig: Figure, name: str) -> dict[str, Any]:
    """Write ``fig`` as ``<data>/analysis/<name>.png``; metadata showing it in the UI."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    data = buffer.getvalue()
    path = output_dir() / f"{name}.png"
    _atomic_write(path, data)
    encoded = base64.b64encode(data).decode()
    return {
        "chart": dg.MetadataValue.md(f"![{name}](data:image/png;base64,{encoded})"),
        "chart_path": dg.MetadataValue.path(str(path)),
    }


def save_table(
    df: pd.DataFrame, name: str, preview_rows: int = 10, preview: tuple[str, pd.DataFrame] | None = None
) -> dict[str, Any]:
    """Write ``df`` as ``<data>/analysis/<name>.parquet``; metadata with row count, preview, path and URI.

    The preview is the first ``preview_rows`` rows, or ``preview = (what it shows, rows)`` when the first rows
    say little (a weekday × hour grid starts at Monday midnight); it says "no rows" only when there are none.
    """
    path = output_dir() / f"{name}.parquet"
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    title, shown = (
        preview
        if preview is not None
        else (f"first {min(preview_rows, len(df))} of {len(df)} rows", df.head(preview_rows))
    )
    return {
        "dagster/row_count": len(df),
        "dagster/uri": path.as_uri(),
        "table_path": dg.MetadataValue.path(str(path)),
        "preview": dg.MetadataValue.md(
            f"_{title}_\n\n{markdown_table(shown)}" if len(df) else markdown_table(df)
        ),
    }


def markdown_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "_no rows_"
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [_cell(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")[:40]
