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
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The UI loads status cells lazily over GraphQL; on a busy 2-core machine that takes longer than Playwright's
# 5 s default. A readiness wait, not a timing assertion.
UI_WAIT_MS = 60_000

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
REPO = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


class Webserver:
    def __init__(self, home: Path, data: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        exe = Path(sys.executable).with_name("dagster-webserver")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dagster_webserver"]
        env = {**os.environ, "DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(data)}
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [*cmd, "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the code server it spawns stops with it
        )  # fmt: skip

    def log_tail(self, n: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-n:]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"dagster-webserver exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/server_info", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(f"dagster-webserver not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Webserver, dict]]:
    """A webserver over a temp instance into which a short demo materialized every asset."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (Debian's Chromium drives this test)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for var, value in {"DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(data),
                       "TIKTOK_SANDBOX_URL": "unset", "TIKTOK_QUOTA_DB_URL": "unset"}.items():  # fmt: skip
        monkeypatch.setenv(var, value)  # restored after the test, whatever the demo sets
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_CLIENT_KEY", "TIKTOK_MONITORING"):
        monkeypatch.delenv(var, raising=False)

    server = Webserver(home, data, tmp_path / "webserver.log")  # starts while the demo runs
    try:
        from tiktok_assets.cli import demo
        from tiktok_assets.definitions import defs

        lines: list[str] = []
        t0 = time.perf_counter()
        summary = demo.run_demo(defs(), days=DEMO_DAYS, echo=lines.append)
        summary["demo_seconds"] = time.perf_counter() - t0
        assert not summary["failed_runs"], "\n".join(lines)
        assert summary["rows"]["/".join(CHART_ASSET)] > 0, "\n".join(lines)
        server.wait_ready()
        yield server, summary
    finally:
        server.stop()


def test_ui_shows_the_assets_and_an_analysis_chart(ui: tuple[Webserver, dict], tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    server, summary = ui
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page_errors: list[str] = []
    t0 = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # Tall enough that the (virtualized) catalog renders every asset row at once.
            page = browser.new_page(viewport={"width": 1600, "height": 2600})
            page.set_default_timeout(30_000)
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            # 1. The catalog, after skipping the first-visit "Join the Dagster community" dialog.
            page.goto(f"{server.url}/assets")
            skip = page.get_by_role("button", name="Skip")
            try:
                skip.wait_for(state="visible", timeout=20_000)  # a fresh DAGSTER_HOME: shown once
                skip.click()
                expect(skip).to_be_hidden()
            except PlaywrightTimeout:
                pass  # not shown (e.g. already seen): nothing to skip
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
        finally:
            browser.close()
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
