"""What the browser tests share: Debian's Chromium through Playwright, a Dagster UI process started in its own
process group (stopped with everything it spawned), and the first-visit dialog."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
REPO = Path(__file__).resolve().parents[2]
# The UI loads status cells lazily over GraphQL; on a busy 2-core machine that takes longer than Playwright's
# 5 s default. A readiness wait, not a timing assertion.
UI_WAIT_MS = 60_000


def require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (Debian's Chromium drives this test)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webserver(home: Path, data: Path, log: Path) -> UiProcess:
    """``dagster-webserver`` over ``workspace.yaml`` on a free loopback port, with ``DAGSTER_HOME=home`` and
    the data folder ``data``; the rest of the environment is inherited."""
    import sys

    exe = Path(sys.executable).with_name("dagster-webserver")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "dagster_webserver"]
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "TIKTOK_DATA_DIR": str(data)}
    return UiProcess([*argv, "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], env, log, port)


class UiProcess:
    """A Dagster UI command (``dagster-webserver`` or ``tiktok-assets ui``) in its own process group, its
    output in ``log``; ``stop`` interrupts the whole group as Ctrl-C would, then kills what is left."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], log: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            list(argv), cwd=REPO, env=dict(env), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def log_tail(self, n: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-n:]

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the UI process exited ({self.proc.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/server_info", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        pytest.fail(f"the UI is not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": dict(variables or {})},
                              timeout=60)  # fmt: skip
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def stop(self) -> None:
        for sig, wait in ((signal.SIGINT, 60), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group_alive(self.proc.pid):
                self.proc.poll()
                time.sleep(0.5)
            if not _group_alive(self.proc.pid):
                break
        self.proc.poll()
        self._log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def chromium_page(viewport: Mapping[str, int] | None = None) -> Iterator[Any]:
    """A fresh headless Chromium page (30 s default timeout); page errors are collected on ``page.errors``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=dict(viewport or {"width": 1600, "height": 1200}))
            page.set_default_timeout(30_000)
            page.errors = []  # type: ignore[attr-defined]
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def skip_first_visit_dialog(page: Any) -> None:
    """A fresh DAGSTER_HOME shows "Join the Dagster community" once; later visits do not."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=20_000)
    except PlaywrightTimeout:
        return
    skip.click()
    expect(skip).to_be_hidden()
