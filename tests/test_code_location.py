"""The code location's shape: every asset key with its group, partitions, checks and upstream (a snapshot
that makes any change visible), and the cost of importing it (nothing but definitions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_keys.json"
REPO = Path(__file__).resolve().parents[1]


def _partitions(pdef: dg.PartitionsDefinition | None) -> str | None:
    if pdef is None:
        return None
    if isinstance(pdef, dg.DynamicPartitionsDefinition):
        return f"dynamic:{pdef.name}"
    if isinstance(pdef, dg.TimeWindowPartitionsDefinition):
        end = pdef.end.date() if pdef.end else None
        return f"time:{pdef.cron_schedule}:{pdef.start.date()}:{end}:{pdef.end_offset}:{pdef.timezone}"
    return type(pdef).__name__


def asset_shape() -> dict[str, dict]:
    from tiktok_assets.definitions import defs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = defs().resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out[key.to_user_string()] = {
            "group": node.group_name,
            "partitions": _partitions(node.partitions_def),
            "materializable": node.is_materializable,
            "checks": sorted(c.name for c in node.check_keys),
            "deps": sorted(d.to_user_string() for d in node.parent_keys),
        }
    return out


def test_every_asset_key_group_partitions_checks_and_upstream_match_the_snapshot() -> None:
    """A key that moves breaks users' schedules, backfills and lineage: change the snapshot on purpose only
    (``UPDATE_SNAPSHOT=1 pytest tests/test_code_location.py``)."""
    shape = asset_shape()
    if os.environ.get("UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(shape, indent=1, sort_keys=True) + "\n")
    assert shape == json.loads(SNAPSHOT.read_text())


IMPORT_PROBE = textwrap.dedent(
    """
    import json, sys
    events = {"connect": 0, "dbt_subprocess": 0, "monitoring_reads": 0}
    def hook(event, args):
        if event == "socket.connect":
            events["connect"] += 1
        elif event == "subprocess.Popen" and "dbt" in " ".join(map(str, args[1] or ())):
            events["dbt_subprocess"] += 1  # (Dagster itself runs `file -b python` on import: not ours)
        elif event == "open" and str(args[0]).endswith("monitoring.yaml"):
            events["monitoring_reads"] += 1
    sys.addaudithook(hook)
    import tiktok_assets.definitions as location
    after_import = dict(events)
    location.defs()
    print(json.dumps({"import": after_import, "load": events}))
    """
)


def test_importing_the_code_location_does_nothing_and_loading_reads_monitoring_once() -> None:
    from tiktok_assets.defs.dbt.project import PROJECT, ensure_manifest

    ensure_manifest(PROJECT)  # a fresh manifest, as a packaged deployment ships it: loading parses nothing
    env = {k: v for k, v in os.environ.items() if k != "TIKTOK_MONITORING"}
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["import"] == {"connect": 0, "dbt_subprocess": 0, "monitoring_reads": 0}
    assert counts["load"] == {"connect": 0, "dbt_subprocess": 0, "monitoring_reads": 1}


@pytest.mark.parametrize(
    "command", [["dg", "check", "defs"], ["dagster", "definitions", "validate", "-w", "workspace.yaml"]]
)
def test_dagster_tools_load_the_project(tmp_path: Path, command: list[str]) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    exe = str(Path(sys.executable).parent / command[0])
    done = subprocess.run([exe, *command[1:]], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
