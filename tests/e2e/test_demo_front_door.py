"""`tiktok-assets demo` as a user runs it (``make demo``): a subprocess with a terminal's stdout and stderr.

What the terminal must show: one line per run and the closing table — every asset of the code location with
its rows, its requests (collections) and its check results — and where the lake, the warehouse and the log
are. What it must not show: Dagster's DEBUG event log or dbt's output; those go to the log file the summary
names. The sandbox clock is set 60 days past today's date, so the window's days lie in the wall clock's
future: the partitions must follow the backend clock, not the wall clock.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tiktok_assets.clock import last_complete_day

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
REPO = Path(__file__).resolve().parents[2]
DAYS = 2


@dataclass
class DemoRun:
    now: datetime
    data: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def terminal(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    data = tmp_path_factory.mktemp("front_door") / "demo"
    wall = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    now = wall + timedelta(days=60)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "tiktok_assets.cli", "demo", "--days", str(DAYS), "--now",
         now.isoformat().replace("+00:00", "Z"), "--data-dir", str(data)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=850,
    )  # fmt: skip
    return DemoRun(now, data, done.returncode, done.stdout, done.stderr)


def table_rows(demo: DemoRun) -> dict[str, list[str]]:
    """The closing table: asset -> its cells (rows, requests…, checks), between the two rules."""
    lines = demo.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("asset ") and "rows" in line)
    assert set(lines[head + 1]) == {"-"}
    end = next(i for i in range(head + 2, len(lines)) if set(lines[i]) == {"-"})
    return {line.split()[0]: line.split()[1:] for line in lines[head + 2 : end]}


def test_the_demo_succeeds_for_a_clock_ahead_of_today(demo: DemoRun) -> None:
    assert demo.returncode == 0, demo.terminal[-5000:]
    last = last_complete_day(demo.now)
    first = last - timedelta(days=DAYS - 1)
    assert f"demo: {first} .. {last} ({DAYS} days)" in demo.stdout
    # The window's last day is after the wall clock's today, and it was collected.
    assert last > datetime.now(UTC).date()
    days = sorted(p.name for p in (demo.data / "lake" / "research" / "videos" / "query=pets").iterdir())
    assert days == [f"date={first}", f"date={last}"]
    assert json.loads((demo.data / "demo.json").read_text()) == {
        "now": demo.now.isoformat().replace("+00:00", "Z"), "days": DAYS,
    }  # fmt: skip


def test_the_summary_lists_every_asset_with_rows_requests_and_checks(demo: DemoRun) -> None:
    from tiktok_assets.definitions import defs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = defs().resolve_asset_graph()
    expected = {k.to_user_string(): graph.get(k) for k in graph.materializable_asset_keys}
    rows = table_rows(demo)
    header = next(line for line in demo.stdout.splitlines() if line.startswith("asset "))
    # Spend columns: requests (every API), units (EnsembleData's money), records (received; VCE's allowance).
    assert header.split() == ["asset", "rows", "requests", "units", "records", "checks"], header
    assert set(rows) == set(expected), "every asset of the code location, nothing else"
    collections = ("research/", "ensembledata/", "vce/")
    for name, cells in rows.items():
        count, requests, units, _records, checks = cells
        assert re.fullmatch(r"[\d,]+", count), (name, cells)
        node = expected[name]
        if name.startswith(collections):  # a collection: what it spent (0 for a day without playlists)
            assert re.fullmatch(r"[\d,]+", requests), (name, cells)
            assert int(requests.replace(",", "")) > 0 or name == "research/playlists", (name, cells)
        else:
            assert requests == units == "-", (name, cells)
        if name.startswith("ensembledata/") and name != "ensembledata/units":  # every call costs units
            assert re.fullmatch(r"[\d,]+", units) and int(units.replace(",", "")) > 0, (name, cells)
        if node.check_keys:
            passed, total = map(int, checks.split("/"))
            assert passed == total >= len(node.check_keys), (name, cells)
        else:
            assert checks == "-", (name, cells)
    assert int(rows["research/videos_pets"][0].replace(",", "")) > 0
    assert int(rows["marts/fct_videos"][0].replace(",", "")) > 0


def test_dagster_and_dbt_logs_go_to_the_named_file_not_the_terminal(demo: DemoRun) -> None:
    for marker in (" - dagster - ", " - DEBUG - ", "Running with dbt", "RUN_SUCCESS", "Traceback"):
        assert marker not in demo.terminal, marker
    assert demo.stderr == ""
    named = re.search(r"^log:\s+(\S+)", demo.stdout, re.MULTILINE)
    assert named, demo.stdout
    log = Path(named.group(1))
    assert log == demo.data / "demo.log"
    text = log.read_text(errors="replace")
    assert " - dagster - DEBUG - " in text and "RUN_SUCCESS" in text and "Running with dbt" in text
    assert "\x1b[" not in text  # a file: no terminal colour codes (dbt's among them)
    # One line per run, then the table; the instance's config is the repository's file, linked.
    # a range run is labelled by its groups and days: "[ 1/22] ensembledata 2027-01-27..2027-01-28  2 assets  ok"
    assert re.search(
        r"^\[ 1/\d+\] [a-z_+]+ \d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d .* ok ", demo.stdout, re.MULTILINE
    ), demo.stdout
    link = demo.data / "dagster_home" / "dagster.yaml"
    assert link.is_symlink() and link.resolve() == (REPO / "dagster.yaml").resolve()
