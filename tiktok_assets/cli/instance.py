"""Where the front door keeps its Dagster instance and data, and how the instance gets its config.

Two self-consistent places, never mixed (a lake or instance holding both would mix snapshot dates):
- the **demo** (``tiktok-assets demo``, ``make demo``, ``make demo-ui``): ``data/demo/`` — lake, warehouse,
  quota ledger, Dagster home, log — on the sandbox's fixed clock (2026-06-15T12:00Z unless ``--now``);
- **your collection** (``make ui``): ``$TIKTOK_DATA_DIR`` (default ``data/``) and ``$DAGSTER_HOME`` (default
  ``<data>/dagster_home``), on the real clock.

The repository's ``dagster.yaml`` is the one instance config: ``<home>/dagster.yaml`` is a symlink to it, made
on every start, so an edit to the repository's file is what the next start uses. A different file found
there (an old copy with local changes) is an error naming both files, never silently replaced.
"""

from __future__ import annotations

import filecmp
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tiktok_assets import settings

DEMO_DIR_NAME = "demo"
DEMO_RECORD = "demo.json"  # the demo's clock and window, for `tiktok-assets ui --demo`


class InstanceConfigError(RuntimeError):
    """``<home>/dagster.yaml`` is not the repository's and cannot be replaced without losing edits."""


@dataclass(frozen=True)
class Place:
    """A data folder and the Dagster home that belongs to it."""

    data: Path
    home: Path

    def environ(self) -> dict[str, str]:
        """What every process of this place needs (resources and Dagster read these)."""
        return {"TIKTOK_DATA_DIR": str(self.data), "DAGSTER_HOME": str(self.home)}

    @property
    def demo_record(self) -> Path:
        return self.data / DEMO_RECORD


def demo_place(data: Path | None = None) -> Place:
    data = (data or settings.project_root() / "data" / DEMO_DIR_NAME).resolve()
    return Place(data=data, home=data / "dagster_home")


def collection_place() -> Place:
    data = settings.data_dir()
    home = Path(os.environ.get("DAGSTER_HOME") or data / "dagster_home").resolve()
    return Place(data=data, home=home)


def shipped_config() -> Path:
    return settings.project_root() / "dagster.yaml"


def link_instance_config(home: Path, shipped: Path | None = None) -> Path:
    """Make ``<home>/dagster.yaml`` a symlink to the repository's ``dagster.yaml``; returns the link."""
    shipped = (shipped or shipped_config()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    link = home / "dagster.yaml"
    if link.is_symlink():
        if link.resolve() == shipped:
            return link
        link.unlink()  # a link to another checkout's file: point it here
    elif link.exists():
        if not filecmp.cmp(link, shipped, shallow=False):
            raise InstanceConfigError(
                f"{link} differs from {shipped}, the one instance config of this project. Move your "
                f"settings into {shipped} (or delete {link}); it is then linked, not copied."
            )
        link.unlink()  # an unchanged copy made by an older version of `make`
    link.symlink_to(shipped)
    return link


def write_demo_record(place: Place, now: str, days: int) -> None:
    place.data.mkdir(parents=True, exist_ok=True)
    place.demo_record.write_text(json.dumps({"now": now, "days": days}) + "\n")


def read_demo_record(place: Place) -> dict[str, object] | None:
    try:
        return json.loads(place.demo_record.read_text())
    except (OSError, ValueError):
        return None
