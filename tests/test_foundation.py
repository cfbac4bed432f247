"""The front door: the package imports, the code location loads, the CLI answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from tiktok_assets import settings
from tiktok_assets.cli import build_parser

REPO = Path(__file__).resolve().parents[1]


def test_definitions_load() -> None:
    from tiktok_assets.definitions import defs

    loaded = defs()  # built lazily: importing the module builds nothing (tests/test_code_location.py)
    assert isinstance(loaded, dg.Definitions)
    # Resolving the repository surfaces wiring errors (missing resources, bad deps) that import alone hides.
    loaded.get_repository_def()


def test_dagster_validates_the_workspace(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_lists_its_commands() -> None:
    help_text = build_parser().format_help()
    assert "tiktok-assets" in help_text


def test_data_paths_follow_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("TIKTOK_LAKE_DIR", raising=False)
    monkeypatch.delenv("TIKTOK_DUCKDB_PATH", raising=False)
    assert settings.lake_dir() == (tmp_path / "d" / "lake").resolve()
    assert settings.duckdb_path() == (tmp_path / "d" / "warehouse.duckdb").resolve()
    monkeypatch.setenv("TIKTOK_LAKE_DIR", str(tmp_path / "elsewhere"))
    assert settings.lake_dir() == (tmp_path / "elsewhere").resolve()
