"""Where the project keeps its files, read once from the environment.

Every path the project writes lives under the data folder, so `make clean` and `.gitignore` cover it:
- ``TIKTOK_DATA_DIR``: the data folder (default: ``data/`` beside ``pyproject.toml`` in a source checkout,
  else ``./data``).
- ``TIKTOK_LAKE_DIR``: the Parquet lake (default ``<data>/lake``).
- ``TIKTOK_DUCKDB_PATH``: the DuckDB warehouse dbt builds (default ``<data>/warehouse.duckdb``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The source checkout holding this package, or the working directory for a plain install."""
    checkout = PACKAGE_DIR.parent
    return checkout if (checkout / "pyproject.toml").exists() else Path.cwd()


def data_dir() -> Path:
    return Path(os.environ.get("TIKTOK_DATA_DIR") or project_root() / "data").resolve()


def lake_dir() -> Path:
    return Path(os.environ.get("TIKTOK_LAKE_DIR") or data_dir() / "lake").resolve()


def duckdb_path() -> Path:
    return Path(os.environ.get("TIKTOK_DUCKDB_PATH") or data_dir() / "warehouse.duckdb").resolve()


def dbt_project_dir() -> Path:
    return project_root() / "dbt"
