"""DuckDB's ``httpfs`` extension (S3 reads for dbt-duckdb) installed from PyPI, never downloaded.

DuckDB normally downloads extensions on first ``INSTALL``; where that is impossible (no internet, locked-down
clusters) the PyPI package ``duckdb-extension-httpfs`` ships the binary for one DuckDB version (pinned equal
to ``duckdb`` in pyproject.toml). Installing it once into DuckDB's extension directory makes the profile's
``extensions: [httpfs]`` a no-op ``INSTALL`` (already installed) followed by ``LOAD``.

Run by hand before a hand-run ``dbt build`` on an S3 lake: ``python -m tiktok_assets.lake.duckdb_httpfs``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb


class HttpfsUnavailableError(RuntimeError):
    """The packaged extension is missing or built for another DuckDB version."""


def packaged_extension() -> Path:
    try:
        import duckdb_extension_httpfs
    except ImportError as exc:
        raise HttpfsUnavailableError(
            "DuckDB's httpfs extension is needed to read an s3:// lake: pip install "
            f"duckdb-extension-httpfs=={duckdb.__version__}"
        ) from exc
    path = Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    binary = path / "httpfs.duckdb_extension"
    if not binary.exists():
        shipped = sorted(p.name for p in path.parent.glob("v*"))
        raise HttpfsUnavailableError(
            f"duckdb-extension-httpfs ships {shipped} but duckdb is v{duckdb.__version__}: pin both to one version"
        )
    return binary


@cache
def ensure_httpfs() -> str:
    """Install the packaged httpfs into DuckDB's default extension directory (once per process); returns
    where it is installed."""
    con = duckdb.connect()
    try:
        row = con.execute(
            "select installed, install_path from duckdb_extensions() where extension_name = 'httpfs'"
        ).fetchone()
        if row and row[0]:
            return str(row[1])
        con.install_extension(str(packaged_extension()))
        (path,) = con.execute(
            "select install_path from duckdb_extensions() where extension_name = 'httpfs'"
        ).fetchone()
        return str(path)
    finally:
        con.close()


if __name__ == "__main__":
    print(f"httpfs installed at {ensure_httpfs()}")
