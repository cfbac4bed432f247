"""`tiktok-assets ui` (``make ui``, ``make demo-ui``): the Dagster UI, daemon included, through ``dg dev``.

- ``make ui``: your collection — ``$TIKTOK_DATA_DIR`` (default ``data/``), ``$DAGSTER_HOME`` (default
  ``<data>/dagster_home``), the real clock (or ``$TIKTOK_CLOCK_NOW``). Schedules, the automation sensor and
  freshness run; with no ``TIKTOK_CLIENT_KEY`` the runs go to a sandbox on real time at
  ``$TIKTOK_SANDBOX_URL`` (default http://127.0.0.1:9400), started here unless one already answers.
- ``make demo-ui`` (``--demo``): the demo's instance and lake in ``data/demo/`` on the demo's fixed clock,
  with a sandbox on that clock for runs launched from the UI.

Either way ``<home>/dagster.yaml`` is a link to the repository's ``dagster.yaml`` (``cli.instance``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SANDBOX_URL = "http://127.0.0.1:9400"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="run the Dagster UI and daemon (dg dev) over your collection, or over the demo with --demo",
        description="Run dg dev (the Dagster webserver and daemon) with DAGSTER_HOME set and its dagster.yaml linked to "
        "the repository's. Without credentials a sandbox serves the runs launched from the UI.",
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="open the demo's instance and lake (data/demo, the demo's fixed clock) instead of your collection",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="address the UI listens on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port the UI listens on (default 3000)")
    parser.set_defaults(func=main)


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/_sandbox/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sandbox(log: Path, port: int, *flags: str) -> tuple[subprocess.Popen[bytes], str]:
    """``tiktok-assets sandbox serve`` in a child process (its output to ``log``); returns it once it answers."""
    log.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tiktok_assets.cli", "sandbox", "serve", "--host", "127.0.0.1",
             "--port", str(port), *flags],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"error: the sandbox did not start on {url} (see {log})")
        time.sleep(0.3)
    return proc, url


def _environment(args: argparse.Namespace) -> tuple[dict[str, str], Any]:
    from tiktok_assets.cli.instance import collection_place, demo_place, read_demo_record

    env = dict(os.environ)
    if not args.demo:
        return env, collection_place()
    place = demo_place()
    record = read_demo_record(place)
    if record is None:
        raise SystemExit(f"error: no demo in {place.data}: run `make demo` first")
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_SANDBOX_URL"):
        env.pop(var, None)
    if not env.get("TIKTOK_CLIENT_KEY"):  # the demo's runs talk to its sandbox only, as the demo's did
        from tiktok_assets.backends import REAL_TARGETS

        for name in REAL_TARGETS:
            if env.pop(name, None):
                print(f"{name} is set: ignored by the demo's UI (its runs use the sandbox)")
    env["TIKTOK_CLOCK_NOW"] = str(record["now"])
    env["TIKTOK_QUOTA_DB_URL"] = f"sqlite:///{place.data / 'demo_quota.sqlite'}"
    return env, place


def main(args: argparse.Namespace) -> int:
    from tiktok_assets import settings
    from tiktok_assets.cli.instance import InstanceConfigError, link_instance_config

    env, place = _environment(args)
    try:
        link = link_instance_config(place.home)
    except InstanceConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    env.update(place.environ())
    children: list[subprocess.Popen[bytes]] = []
    sandbox_note = "real TikTok APIs (TIKTOK_CLIENT_KEY is set)"
    if not env.get("TIKTOK_CLIENT_KEY"):
        log = place.data / "sandbox.log"
        if args.demo:
            proc, url = _start_sandbox(
                log, _free_port(), "--now", env["TIKTOK_CLOCK_NOW"], "--per-minute", "1000000"
            )
            children.append(proc)
            sandbox_note = f"a sandbox on the demo's clock {env['TIKTOK_CLOCK_NOW']} at {url}"
        else:
            url = env.get("TIKTOK_SANDBOX_URL") or DEFAULT_SANDBOX_URL
            if _healthy(url):
                sandbox_note = f"the sandbox already answering at {url}"
            elif url != DEFAULT_SANDBOX_URL:
                raise SystemExit(
                    f"error: TIKTOK_SANDBOX_URL={url} does not answer (unset it to start one here)"
                )
            else:
                proc, url = _start_sandbox(log, int(url.rsplit(":", 1)[1]))
                children.append(proc)
                sandbox_note = f"a sandbox on real time at {url} (log {log})"
        env["TIKTOK_SANDBOX_URL"] = url
    print(f"Dagster instance: {place.home}  ({link.name} -> {link.resolve()})")
    print(f"data: {place.data}   runs talk to {sandbox_note}")
    print(
        f"UI: http://{args.host}:{args.port}   (Ctrl-C stops the UI, the daemon and the sandbox started here)"
    )
    sys.stdout.flush()
    dg = Path(sys.executable).with_name("dg")
    command = [str(dg) if dg.exists() else "dg", "dev", "--host", args.host, "--port", str(args.port)]
    dev = subprocess.Popen(command, cwd=settings.project_root(), env=env)
    children.insert(0, dev)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return dev.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(children)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops everything started here, as Ctrl-C does


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)  # dg dev shuts its webserver, daemon and code server down
    deadline = time.monotonic() + 30
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)
