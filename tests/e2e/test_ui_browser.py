"""The Dagster UI in a real browser: the code location loads, every group's assets show, and an analysis
asset's latest materialization renders its chart.

A short demo (2 days, against the in-process sandbox) materializes every asset into a temp ``DAGSTER_HOME``
while ``dagster-webserver -w workspace.yaml`` starts on a free loopback port over the same instance; then
Debian's Chromium, driven by Playwright, walks the UI. Screenshots are saved under the test's ``tmp_path``
(``screenshots/``; the path is printed, see it with ``pytest -s``). Skipped when ``/usr/bin/chromium`` or the
``playwright`` package is missing (``.ci/run`` installs Chromium; ``playwright install`` is never needed).
"""

from __future__ import annotations

import contextlib
import re
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import UI_WAIT_MS, UiProcess, chromium_page, require_browser, skip_first_visit_dialog, webserver

DEMO_DAYS = 2
CHART_ASSET = ("analysis", "engagement_trends")
# What the UI must show (catalog rows are "<prefix> / <name>"), a few per group and layer.
CATALOG_ROWS = [
    "research / videos_pets", "research / followers", "research / comments",
    "staging / stg_research__videos", "staging / stg_research__user_info",
    "marts / fct_videos", "marts / account_daily", "marts / hashtag_daily",
    "analysis / engagement_trends", "analysis / hashtag_momentum", "analysis / posting_times",
    "analysis / data_quality",
]  # fmt: skip
LINEAGE_GROUPS = {
    "research": ["videos_pets", "followers"],
    "dbt_staging": ["stg_research__videos"],
    "dbt_marts": ["fct_videos", "account_daily"],
    "analysis": ["engagement_trends", "posting_times"],
}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[UiProcess, dict]]:
    """A webserver over a temp instance into which a short demo materialized every asset."""
    require_browser()
    home, data = tmp_path / "home", tmp_path / "data"
    for var, value in {"DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(data),
                       "TIKTOK_SANDBOX_URL": "unset", "TIKTOK_QUOTA_DB_URL": "unset"}.items():  # fmt: skip
        monkeypatch.setenv(var, value)  # restored after the test, whatever the demo sets
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING"):
        monkeypatch.delenv(var, raising=False)
    from tiktok_assets.cli import demo
    from tiktok_assets.cli.instance import link_instance_config

    link_instance_config(home)
    server = webserver(home, data, tmp_path / "webserver.log")  # starts while the demo runs
    try:
        lines: list[str] = []
        t0 = time.perf_counter()
        summary = demo.run_demo(days=DEMO_DAYS, echo=lines.append)
        summary["demo_seconds"] = time.perf_counter() - t0
        assert not summary["failed_runs"], "\n".join(lines)
        assert summary["rows"]["/".join(CHART_ASSET)] > 0, "\n".join(lines)
        server.wait_ready()
        yield server, summary
    finally:
        server.stop()


def test_ui_shows_the_assets_and_an_analysis_chart(ui: tuple[UiProcess, dict], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server, summary = ui
    shots = tmp_path / "screenshots"
    shots.mkdir()
    t0 = time.perf_counter()
    # Tall enough that the (virtualized) catalog renders every asset row at once.
    with chromium_page({"width": 1600, "height": 5600}) as page:  # ~90 assets of three sources
        # 1. The catalog, after skipping the first-visit "Join the Dagster community" dialog.
        page.goto(f"{server.url}/assets")
        skip_first_visit_dialog(page)
        for row in CATALOG_ROWS:
            expect(page.get_by_text(row, exact=True).first).to_be_visible(timeout=UI_WAIT_MS)
        # The unpartitioned marts and analyses report "Materialized" (partitioned ones show bars).
        expect(page.get_by_text("Materialized", exact=True).nth(8)).to_be_visible(timeout=UI_WAIT_MS)
        with contextlib.suppress(AssertionError):  # for the picture: let the status cells finish loading
            expect(page.get_by_text(re.compile(r"^Loading"))).to_have_count(0, timeout=10_000)
        page.screenshot(path=shots / "1_catalog.png")

        # 2. Global asset lineage: the groups, then each group's assets listed in the sidebar tree, then
        #    the graph with every group expanded.
        page.set_viewport_size({"width": 1600, "height": 1400})
        page.locator("a[href='/asset-groups']").first.click()
        expect(page.get_by_text("Global asset lineage", exact=True)).to_be_visible()
        for group in LINEAGE_GROUPS:
            expect(page.get_by_text(group, exact=True).first).to_be_visible()
        page.screenshot(path=shots / "2_lineage_groups.png")
        for group, assets in LINEAGE_GROUPS.items():
            # The group's expand caret: in the nearest ancestor of its sidebar label that has one.
            caret = "button[.//*[@aria-label='arrow_drop_down']]"
            page.locator(
                f"xpath=//button[.//*[@aria-label='asset_group']][.//span[text()='{group}']]"
                f"/ancestor::*[.//{caret}][1]//{caret}"
            ).first.click()
            for asset in assets:
                expect(page.get_by_text(asset, exact=True).first).to_be_visible()
        page.mouse.click(1100, 300, button="right")  # the graph background's menu
        page.get_by_role("menuitem", name="Expand all groups").click()
        page.wait_for_timeout(1500)  # let the expanded layout settle before the picture
        page.screenshot(path=shots / "3_lineage_expanded.png")

        # 3. An analysis asset's latest materialization: its chart, embedded as a data: URL, renders.
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.goto(f"{server.url}/assets")
        page.get_by_role("link", name=" / ".join(CHART_ASSET)).first.click()
        page.get_by_role("tab", name="Events").click()
        expect(page.get_by_text("Materialized in run").first).to_be_visible(timeout=UI_WAIT_MS)
        page.screenshot(path=shots / "4_latest_materialization.png")
        chart_row = page.locator("tr", has=page.get_by_text("chart", exact=True))
        chart_row.get_by_text("[Show Markdown]").first.click()
        img = page.locator("img[src^='data:image/png;base64,']").first
        expect(img).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        width, height = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        page.screenshot(path=shots / "5_chart.png")
        page_errors = page.errors
    browser_seconds = time.perf_counter() - t0

    png = tmp_path / "data" / "analysis" / f"{CHART_ASSET[1]}.png"
    assert (width, height) == _png_size(png), "the embedded chart is not the PNG the asset wrote"
    assert width > 0 and height > 0
    assert sorted(p.name for p in shots.iterdir()) == [
        "1_catalog.png", "2_lineage_groups.png", "3_lineage_expanded.png",
        "4_latest_materialization.png", "5_chart.png",
    ]  # fmt: skip
    print(f"\nscreenshots: {shots}\ndemo {summary['demo_seconds']:.1f}s, browser {browser_seconds:.1f}s; "
          f"chart {width}x{height}; page errors: {page_errors or 'none'}")  # fmt: skip
