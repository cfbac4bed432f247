"""The dbt project (dbt-duckdb over the Parquet lake): where it is, which dbt runs it, and its manifest.

Nothing here imports dagster-dbt or dbt-core: loading the code location only reads ``manifest.json`` as JSON
(``specs.py``). dagster-dbt is imported inside a step, by ``DbtResource.cli_resource`` — and by
``ensure_manifest`` on the rare load that finds the manifest missing or stale.

The manifest is parsed once per change of the dbt sources and never concurrently (``ensure_manifest``), when
the code location builds its Definitions — never at import.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from filelock import FileLock

from tiktok_assets import settings

if TYPE_CHECKING:
    from dagster_dbt import DbtCliInvocation, DbtCliResource

DBT_DIR = settings.dbt_project_dir()
# The dbt beside this interpreter: `make`/tests run `.venv/bin/python` without activating the venv (no PATH).
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"


@dataclass(frozen=True)
class DbtProject:
    """The paths of a dbt project (what ``dagster_dbt.DbtProject`` holds, without importing it)."""

    project_dir: Path
    profiles_dir: Path | None = None
    target_path: Path = Path("target")

    @property
    def manifest_path(self) -> Path:
        return Path(self.project_dir) / self.target_path / "manifest.json"


PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


class DbtResource(dg.ConfigurableResource):
    """The ``dbt`` resource: dagster-dbt's ``DbtCliResource``, built (and imported) only when a step runs dbt."""

    project_dir: str
    profiles_dir: str | None = None
    dbt_executable: str = "dbt"

    def cli_resource(self) -> DbtCliResource:
        from dagster_dbt import DbtCliResource

        return DbtCliResource(
            project_dir=self.project_dir, profiles_dir=self.profiles_dir, dbt_executable=self.dbt_executable
        )

    def cli(self, args: list[str], **kwargs: Any) -> DbtCliInvocation:
        return self.cli_resource().cli(args, **kwargs)


def dbt_resource(project: DbtProject = PROJECT) -> DbtResource:
    profiles = str(project.profiles_dir) if project.profiles_dir else None
    return DbtResource(
        project_dir=str(project.project_dir), profiles_dir=profiles, dbt_executable=DBT_EXECUTABLE
    )


# --- manifest: parse once, guarded --------------------------------------------------------------------------

_SOURCES = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for f in files:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def _is_fresh(manifest: Path, project_dir: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)


def ensure_manifest(project: DbtProject = PROJECT) -> Path:
    """Make sure ``target/manifest.json`` exists and is newer than every dbt source file; return its path.

    ``dagster-dbt``'s ``prepare_if_dev`` re-parses on every load under ``dagster dev`` and only there, and
    parallel backfill workers have raced on it (#33993). Here: parse only when the manifest is missing or
    stale, under a file lock, into a private target dir, then ``os.replace`` the manifest into place — so
    concurrent imports wait for one parse, and a reader never sees half a manifest. A packaged deployment
    (``dagster-dbt project prepare-and-package``) ships a fresh manifest and never parses here.
    """
    manifest = project.manifest_path
    project_dir = Path(project.project_dir)
    if _is_fresh(manifest, project_dir):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(manifest.with_name("manifest.parse.lock"), timeout=300):
        if _is_fresh(manifest, project_dir):
            return manifest  # another process parsed while we waited
        scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest.parent))
        try:
            dbt_resource(project).cli(["parse", "--quiet"], target_path=scratch).wait()
            os.replace(scratch / "manifest.json", manifest)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return manifest
