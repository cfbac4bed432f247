"""The code location running itself, seen in a real browser: `tiktok-assets ui` (what `make ui` runs: `dg dev`,
webserver and daemon, over a temp instance whose dagster.yaml links to the repository's) against a sandbox on
a fixed clock, driven by Debian's Chromium through Playwright.

In order, on one UI process (module-scoped: each step builds on the last):
1. a date-range backfill of everything partitioned by day (the catalog's ``job:"research_daily"``
   selection: day collections and day staging), launched from the Materialize dialog, completes; its page
   names the assets;
2. with no further click, the automation sensor rebuilds the marts from that collection (a run it launched
   materializes ``marts/fct_videos``, which then holds exactly the lake's videos);
3. a collection asset past its freshness window (monitoring.yaml ``freshness.daily.warn_after: 1m``) shows
   a freshness warning;
4. a partition's own materialization shows a preview of that partition's rows (needs per-partition previews
   of range runs, issue 15 part 2: fails until that lands).
Screenshots go to the module's temp folder (printed; see them with ``pytest -s``).
"""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.dataset as pads
import pytest
from browser import UI_WAIT_MS, UiProcess, chromium_page, free_port, require_browser, skip_first_visit_dialog

from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

NOW = "2026-06-15T12:00:00Z"
FIRST, LAST = "2026-06-10", "2026-06-12"  # the last complete days at NOW
DAY_ASSETS = [
    "research / videos_pets", "research / comments", "research / playlists",
    "staging / stg_research__videos", "staging / stg_research__comments",
]  # fmt: skip
# A small collection: one query, two accounts, comments of the 2 most-commented videos a day; a daily
# collection counts as late one minute after its last materialization.
MONITORING = """
date_range: {start: 2026-05-01}
accounts: [nerali7775, misaan__]
hashtags: [cat, dog]
queries:
  pets: {from: hashtags}
comments: {enabled: true, replies: false, max_videos_per_day: 2}
freshness:
  daily: {warn_after: 1m, fail_after: 1d}
"""
RUN_WAIT_S = 420  # a readiness bound for runs on a busy 2-core machine, not a timing assertion


@dataclass
class Ui:
    server: UiProcess
    sandbox: SandboxHandle
    data: Path
    shots: Path
    backfill_id: str = ""
    backfill_done_at: float = 0.0
    notes: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    require_browser()
    tmp = tmp_path_factory.mktemp("ui_automation")
    (tmp / "monitoring.yaml").write_text(MONITORING)
    (tmp / "screenshots").mkdir()
    with running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "DAGSTER_"))}
        env.update({
            "TIKTOK_DATA_DIR": str(tmp / "data"), "DAGSTER_HOME": str(tmp / "home"),
            "TIKTOK_SANDBOX_URL": sandbox.base_url, "TIKTOK_CLOCK_NOW": NOW,
            "TIKTOK_MONITORING": str(tmp / "monitoring.yaml"),
            "TIKTOK_QUOTA_DB_URL": f"sqlite:///{tmp / 'quota.sqlite'}",
            # Dagster's own knob (default 30 s): evaluate freshness every 10 s.
            "FRESHNESS_DAEMON_INTERVAL_SECONDS": "10",
        })  # fmt: skip
        port = free_port()
        server = UiProcess(
            [sys.executable, "-m", "tiktok_assets.cli", "ui", "--port", str(port)], env, tmp / "ui.log", port
        )
        try:
            server.wait_ready()
            yield Ui(server, sandbox, tmp / "data", tmp / "screenshots")
        finally:
            server.stop()
            print(f"\nscreenshots: {tmp / 'screenshots'}  UI log: {tmp / 'ui.log'}")


def _goto(page, ui: Ui, path: str) -> None:  # noqa: ANN001
    page.goto(ui.server.url + path)
    skip_first_visit_dialog(page)


def _asset_query(ui: Ui, key: str) -> dict:
    query = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
        assetMaterializations(limit: 1) { runId timestamp partition }
        freshnessStatusInfo { freshnessStatus } } } }"""
    return ui.server.graphql(query, {"key": {"path": key.split("/")}})["assetNodeOrError"]


def _run_tags(ui: Ui, run_id: str) -> dict[str, str]:
    query = """query($id: ID!) { runOrError(runId: $id) { ... on Run { tags { key value } } } }"""
    return {t["key"]: t["value"] for t in ui.server.graphql(query, {"id": run_id})["runOrError"]["tags"]}


def _wait_for_backfill(ui: Ui) -> str:
    query = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
        ... on PartitionBackfill { status } } }"""
    deadline = time.monotonic() + RUN_WAIT_S
    status = ""
    while time.monotonic() < deadline:
        status = ui.server.graphql(query, {"id": ui.backfill_id})["partitionBackfillOrError"]["status"]
        if status not in ("REQUESTED", "CANCELING", "FAILING"):
            return status
        time.sleep(3)
    return status


def test_a_date_range_backfill_of_every_day_asset_launches_from_the_ui_and_completes(ui: Ui) -> None:
    from playwright.sync_api import expect

    with chromium_page() as page:
        selection = urllib.parse.urlencode({"asset-selection": 'job:"research_daily"'})
        _goto(page, ui, f"/assets?{selection}")
        for row in DAY_ASSETS:
            expect(page.get_by_text(row, exact=True).first).to_be_visible(timeout=UI_WAIT_MS)
        # Select every listed asset (the table header's checkbox), then Materialize.
        page.locator("label", has=page.locator("input[type=checkbox]:not([data-testid])")).first.click()
        page.get_by_role("button", name="Materialize selected").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text(f"Launch runs to materialize {len(DAY_ASSETS)} assets")).to_be_visible()
        box = dialog.get_by_placeholder(re.compile(r"^ex: "))
        box.fill(f"[{FIRST}...{LAST}]")
        box.press("Enter")
        expect(dialog.get_by_text("3 partitions", exact=True)).to_be_visible()
        page.screenshot(path=ui.shots / "1_backfill_dialog.png")
        dialog.get_by_role("button", name="Launch backfill").click()
        created = page.get_by_text(re.compile(r"Created backfill \w+"))
        expect(created).to_be_visible()
        ui.backfill_id = created.inner_text().split()[-1]

        _goto(page, ui, f"/runs/b/{ui.backfill_id}")
        expect(page.get_by_text(f"{FIRST}...{LAST}", exact=True)).to_be_visible(timeout=UI_WAIT_MS)
        for row in DAY_ASSETS:  # the backfill page names the assets, not an internal job
            expect(page.get_by_text(row, exact=True).first).to_be_visible()
        status = _wait_for_backfill(ui)
        assert status == "COMPLETED_SUCCESS", f"{status}\n{ui.server.log_tail()}"
        ui.backfill_done_at = time.time()
        page.reload()
        # "Succeeded" twice: the backfill's status, and the header of the assets' succeeded column.
        expect(page.get_by_text("Succeeded", exact=True)).to_have_count(2, timeout=UI_WAIT_MS)
        page.screenshot(path=ui.shots / "2_backfill_done.png")

    # One range run of 30-day windows: the three days in one run, as the backfill policy says.
    runs = ui.server.graphql(
        """query($f: RunsFilter) { runsOrError(filter: $f) { ... on Runs { results { runId status
           tags { key value } } } } }""",
        {"f": {"tags": [{"key": "dagster/backfill", "value": ui.backfill_id}]}},
    )["runsOrError"]["results"]
    assert [r["status"] for r in runs] == ["SUCCESS"]
    tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        FIRST,
        LAST,
    )
    lake = ui.data / "lake" / "research" / "videos" / "query=pets"
    assert sorted(p.name for p in lake.iterdir()) == [
        f"date={d}" for d in ("2026-06-10", "2026-06-11", "2026-06-12")
    ]


def test_the_marts_update_by_automation_after_the_collection(ui: Ui) -> None:
    from playwright.sync_api import expect

    assert ui.backfill_done_at, "the backfill test ran first"
    deadline = time.monotonic() + RUN_WAIT_S
    latest: dict = {}
    while time.monotonic() < deadline:
        latest = _asset_query(ui, "marts/fct_videos")
        mats = latest["assetMaterializations"]
        if mats and float(mats[0]["timestamp"]) / 1000 > ui.backfill_done_at - 60:
            break
        time.sleep(5)
    mats = latest["assetMaterializations"]
    assert mats, f"no automation rebuilt marts/fct_videos:\n{ui.server.log_tail()}"
    tags = _run_tags(ui, mats[0]["runId"])
    assert tags.get("dagster/sensor_name") == "tiktok_automation_sensor", tags
    assert "dagster/backfill" not in tags or tags["dagster/backfill"] != ui.backfill_id

    # The mart holds exactly the videos the backfill collected.
    lake_ids = set(
        pads.dataset(ui.data / "lake" / "research" / "videos", format="parquet", partitioning="hive")
        .to_table(columns=["id"])["id"].to_pylist()
    )  # fmt: skip
    con = duckdb.connect(str(ui.data / "warehouse.duckdb"), read_only=True)
    try:
        mart_ids = {r[0] for r in con.execute("select video_id from marts.fct_videos").fetchall()}
    finally:
        con.close()
    assert lake_ids and mart_ids == lake_ids

    with chromium_page() as page:
        # The runs list: the mart's run, launched by the automation sensor; the backfill, by a person. (Its
        # rows are virtualized divs: the row is the one holding the run's short id.)
        _goto(page, ui, "/runs")

        def run_row(short_id: str):  # noqa: ANN202
            return page.locator("div[class*='RunsFeedRow_row']", has=page.get_by_text(short_id, exact=True))

        sensor = run_row(mats[0]["runId"][:8]).get_by_text("tiktok_automation_sensor", exact=True)
        expect(sensor.filter(visible=True)).to_be_visible(timeout=UI_WAIT_MS)
        expect(run_row(ui.backfill_id).get_by_text("Manually launched", exact=True)).to_be_visible()
        page.screenshot(path=ui.shots / "3_automation_run.png")


def test_a_late_collection_shows_a_freshness_warning(ui: Ui) -> None:
    from playwright.sync_api import expect

    assert ui.backfill_done_at, "the backfill test ran first"
    with chromium_page() as page:
        _goto(page, ui, "/assets/research/videos_pets")
        policy = page.get_by_text("Freshness policy", exact=True).first
        expect(policy).to_be_visible(timeout=UI_WAIT_MS)
        expect(
            page.get_by_text(re.compile(r"Warns if more than (a|1) minute since last materialization")).first
        ).to_be_visible()
        # The daemon evaluates every 10 s; the window is a minute: reload until the state shows.
        deadline = time.monotonic() + RUN_WAIT_S
        while (
            time.monotonic() < deadline
            and _asset_query(ui, "research/videos_pets")["freshnessStatusInfo"]["freshnessStatus"]
            != "WARNING"
        ):
            time.sleep(5)
        page.reload()
        # The first "Warning" after the policy's label: the policy's state (the page may name it twice).
        status = page.locator("xpath=//*[text()='Freshness policy']/following::*[text()='Warning'][1]").first
        expect(status).to_be_visible(timeout=UI_WAIT_MS)
        page.screenshot(path=ui.shots / "4_freshness_warning.png")
    latest = _asset_query(ui, "research/videos_pets")
    age = time.time() - float(latest["assetMaterializations"][0]["timestamp"]) / 1000
    assert age >= 60, "a warning only past the warn window"
    assert latest["freshnessStatusInfo"]["freshnessStatus"] == "WARNING"  # not yet failing (1 day)


def test_a_partition_shows_a_preview_of_its_own_rows(ui: Ui) -> None:
    """Every partition of the range run: its materialization's preview lists rows of that day only."""
    from playwright.sync_api import expect

    assert ui.backfill_done_at, "the backfill test ran first"
    with chromium_page() as page:
        for day in ("2026-06-10", "2026-06-11", "2026-06-12"):
            _goto(page, ui, f"/assets/research/videos_pets?view=partitions&partition={day}")
            expect(page.get_by_text("Latest materialization").first).to_be_visible(timeout=UI_WAIT_MS)
            row = page.locator("tr", has=page.get_by_text("preview", exact=True)).first
            expect(row).to_be_visible(timeout=UI_WAIT_MS)
            more = row.get_by_text("[Show Markdown]")
            if more.count():  # a long preview opens in a dialog; a short one renders in place
                more.first.click()
                table = page.get_by_role("dialog").locator("table")
            else:
                table = row.locator("table")
            expect(table).to_be_visible()
            page.screenshot(path=ui.shots / f"5_preview_{day}.png")
            cells = [c.strip() for c in table.locator("td").all_inner_texts()]
            times = [c for c in cells if re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d.*", c)]
            assert times, f"{day}: no create_time in the preview: {cells[:20]}"
            assert all(t.startswith(day) for t in times), f"{day}: preview rows from other days: {times}"
            if more.count():
                page.keyboard.press("Escape")
