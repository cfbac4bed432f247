"""Sandbox throughput on the large world, this tree against a baseline tree, measured in the same run.

Each tree's server runs in its own process (`python -m tiktok_assets.cli sandbox serve --size large`); the
baseline tree is `git archive <ref>` unpacked in a temporary folder (default: f95e141, the integration commit
the issue-14 branches start from, i.e. the sandbox before issue 14), so both answer
the same requests one after the other. This process is the client (httpx, keep-alive).

Measures (full pages: max_count 100, 14 fields, the benchmark's historical field list):
- new searches: windows of `--days` days over every region, paged to the end; the first page of each runs
  the search. Pages/s over all pages (searches included) and over the later (cached) pages alone.
- an OR of usernames: `--users` accounts as `or` EQ conditions over one 30-day window, against the same
  accounts as one `and` IN search (the indexed path before and after): server CPU and pages/s.
- the same with ``--clients`` connections at once (a process each, each paging its own new search, then
  paging it again by its search_id): what the server serves when it is never waiting for a client.
  One sequential client measures latency (the server idles while the client reads a page); the server is
  one Python process, so its own CPU per page is its ceiling either way. On a 2-core host the client
  processes take CPU from the server: the wall figures are the host's too (the load average is printed).
Also: large-world startup and server RSS. Ratios are now / baseline (higher is better for pages/s).
Run: .venv/bin/python benchmarks/sandbox_throughput.py [--windows N] [--days D] [--users U] [--clients C]
[--baseline REF]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from tiktok_assets.sandbox.world import World
from tiktok_assets.sandbox.world.vocab import REGIONS  # the world's regions: queries that match

ROOT = Path(__file__).resolve().parents[1]
FIELDS = (
    "id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,"
    "music_id,hashtag_names,username,effect_ids,playlist_id,voice_to_text"
)
NOW = "2026-11-01T12:00:00Z"
LAST_SEARCHABLE = date(2026, 10, 30)  # NOW less the 48-hour archive lag
SEQUENTIAL_FROM, CONCURRENT_FROM = date(2026, 9, 1), date(2026, 10, 1)  # distinct days: new searches
BEFORE_ISSUE_14 = "f95e141"  # the sandbox as issue 14 found it


class Server:
    """One sandbox process serving the large world from ``tree`` (a folder holding ``tiktok_assets``)."""

    def __init__(self, tree: Path) -> None:
        t0 = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(tree)}
        # fmt: off
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tiktok_assets.cli", "sandbox", "serve", "--size", "large", "--port", "0",
             "--now", NOW, "--per-minute", "100000000", "--research-daily-requests", "100000000",
             "--research-daily-records", "1000000000"],
            stdout=subprocess.PIPE, text=True, cwd=tree, env=env,
        )
        # fmt: on
        assert self.proc.stdout is not None
        base = self.proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        self.http = httpx.Client(base_url=base, timeout=300)
        self.http.get("/_sandbox/health").raise_for_status()
        self.startup = time.perf_counter() - t0
        self.ps = psutil.Process(self.proc.pid)
        self.rss_start = self.ps.memory_info().rss
        form = {
            "client_key": "sandbox-key",
            "client_secret": "sandbox-secret",
            "grant_type": "client_credentials",
        }
        token = self.http.post("/v2/oauth/token/", data=form).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def page(self, body: dict[str, Any], http: httpx.Client | None = None) -> dict[str, Any]:
        r = (http or self.http).post(
            f"/v2/research/video/query/?fields={FIELDS}", content=orjson.dumps(body), headers=self.headers
        )
        return orjson.loads(r.content)["data"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def page_through(srv: Server, body: dict[str, Any], http: httpx.Client | None = None) -> dict[str, float]:
    """Page one search to its end: wall and server CPU of the first page and of the later ones (``http``: this
    client's own connection; the CPU figures are only meaningful with one client at a time).

    A body with a search_id pages an existing search again (its matches all found: cached pages only).
    """
    out = {"first_s": 0.0, "later_s": 0.0, "first_cpu": 0.0, "later_cpu": 0.0, "later_pages": 0, "videos": 0}
    first = True
    while True:
        c0, t0 = srv.cpu(), time.perf_counter()
        data = srv.page(body, http)
        dt, dc = time.perf_counter() - t0, srv.cpu() - c0
        key = "first" if first else "later"
        out[f"{key}_s"] += dt
        out[f"{key}_cpu"] += dc
        out["later_pages"] += 0 if first else 1
        out["videos"] += len(data["videos"])
        first = False
        if not data["has_more"]:
            out["search_id"] = data["search_id"]
            return out
        body = {**body, "cursor": data["cursor"], "search_id": data["search_id"]}


def window_body(first: date, days: int) -> dict[str, Any]:
    """A search over every region for ``days`` days from ``first`` (before NOW's 48-hour archive lag)."""
    last = first + timedelta(days=days - 1)
    if last > LAST_SEARCHABLE:
        raise SystemExit(
            f"a window ends {last}, after {LAST_SEARCHABLE}: fewer --windows/--clients or --days"
        )
    cond = {"operation": "IN", "field_name": "region_code", "field_values": REGIONS}
    return {"query": {"and": [cond]}, "start_date": f"{first:%Y%m%d}", "end_date": f"{last:%Y%m%d}",
            "max_count": 100}  # fmt: skip


def windows(first: date, n: int, days: int) -> list[dict[str, Any]]:
    """``n`` windows of ``days`` days from ``first``, a day apart (each a new search)."""
    return [window_body(first + timedelta(days=w * (days + 1)), days) for w in range(n)]


def page_search(base: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, str]:
    """A load generator's loop, run in its own process: page one search to its end on its own keep-alive
    connection (``http.client``: little client CPU per page). Returns the pages and the search_id."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=300)
    pages = 0
    try:
        while True:
            path = f"/v2/research/video/query/?fields={FIELDS}"
            conn.request("POST", path, body=orjson.dumps(body), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {raw[:300]!r}")
            data = orjson.loads(raw)["data"]
            pages += 1
            if not data["has_more"]:
                return pages, data["search_id"]
            body = {**body, "cursor": data["cursor"], "search_id": data["search_id"]}
    finally:
        conn.close()


def concurrently(srv: Server, bodies: list[dict[str, Any]]) -> tuple[list[tuple[int, str]], float, float]:
    """Page every body to its end, one client process each, all at once: (pages, search_id) per body, wall
    seconds and server CPU-s (the processes are started before the clock starts)."""
    with ProcessPoolExecutor(len(bodies)) as pool:
        list(pool.map(abs, range(len(bodies))))  # start the workers
        c0, t0 = srv.cpu(), time.perf_counter()
        runs = list(
            pool.map(page_search, [str(srv.http.base_url)] * len(bodies), [srv.headers] * len(bodies), bodies)
        )
        return runs, time.perf_counter() - t0, srv.cpu() - c0


def total(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: sum(r[k] for r in runs) for k in runs[0] if k != "search_id"}


def measure(tree: Path, args: argparse.Namespace, users: list[str]) -> dict[str, float]:
    srv = Server(tree)
    try:
        searches: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        for body in windows(SEQUENTIAL_FROM, args.windows, args.days):
            searches.append(page_through(srv, body))
            # The same search paged again by its search_id: every page is a cached one.
            again.append(page_through(srv, {**body, "search_id": searches[-1]["search_id"]}))
        s, c = total(searches), total(again)
        # N connections at once, over windows of another month (new searches for this server too).
        bodies = windows(CONCURRENT_FROM, args.clients, args.days)
        new_runs, new_wall, new_cpu = concurrently(srv, bodies)
        ids = [{**b, "search_id": search_id} for b, (_, search_id) in zip(bodies, new_runs, strict=True)]
        cached_runs, cached_wall, cached_cpu = concurrently(srv, ids)
        n_pages = sum(pages for pages, _ in new_runs)
        assert n_pages == sum(pages for pages, _ in cached_runs)  # the same pages, served from the cache
        window = {"start_date": "20260801", "end_date": "20260830", "max_count": 100}
        in_q = {"and": [{"operation": "IN", "field_name": "username", "field_values": users}]}
        or_q = {"or": [{"operation": "EQ", "field_name": "username", "field_values": [u]} for u in users]}
        as_in = page_through(srv, {"query": in_q, **window})
        as_or = page_through(srv, {"query": or_q, **window})
        rss_end = srv.ps.memory_info().rss
    finally:
        srv.stop()
    pages = args.windows + s["later_pages"]

    def rate(r: dict[str, float]) -> float:
        return (1 + r["later_pages"]) / (r["first_s"] + r["later_s"])

    return {
        "startup (process start to first answer), s": srv.startup,
        "server RSS after startup, MiB": srv.rss_start / 2**20,
        "server RSS after the run, MiB": rss_end / 2**20,
        "pages of the new searches": pages,
        "videos per page": s["videos"] / pages,
        "first page of a search (runs it), ms": 1000 * s["first_s"] / args.windows,
        "cached pages/s (wall; each search paged again)": pages / (c["first_s"] + c["later_s"]),
        "cached pages per server CPU-s": pages / max(c["first_cpu"] + c["later_cpu"], 1e-9),
        "all pages incl. new searches, pages/s (wall)": pages / (s["first_s"] + s["later_s"]),
        "all pages incl. new searches, per server CPU-s": pages / max(s["first_cpu"] + s["later_cpu"], 1e-9),
        f"{args.clients} clients at once: pages": n_pages,
        f"{args.clients} clients at once, new searches: pages/s (wall)": n_pages / new_wall,
        f"{args.clients} clients at once, new searches: per server CPU-s": n_pages / max(new_cpu, 1e-9),
        f"{args.clients} clients at once, cached: pages/s (wall)": n_pages / cached_wall,
        f"{args.clients} clients at once, cached: per server CPU-s": n_pages / max(cached_cpu, 1e-9),
        f"{len(users)} usernames as one and-IN: pages": 1 + as_in["later_pages"],
        f"{len(users)} usernames as one and-IN: server CPU, s": as_in["first_cpu"] + as_in["later_cpu"],
        f"{len(users)} usernames as one and-IN: pages/s": rate(as_in),
        f"{len(users)} usernames as an or of EQ: pages": 1 + as_or["later_pages"],
        f"{len(users)} usernames as an or of EQ: server CPU, s": as_or["first_cpu"] + as_or["later_cpu"],
        f"{len(users)} usernames as an or of EQ: pages/s": rate(as_or),
        "or-of-EQ server CPU / and-IN server CPU": (as_or["first_cpu"] + as_or["later_cpu"])
        / max(as_in["first_cpu"] + as_in["later_cpu"], 1e-9),
    }


def baseline_tree(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", ref, "tiktok_assets"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def table(rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))) for r in rows]  # fmt: skip
    lines.insert(1, "-|-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=6, help="new searches to page through")
    ap.add_argument("--days", type=int, default=3, help="days per search window")
    ap.add_argument("--users", type=int, default=100, help="usernames in the OR / IN searches")
    ap.add_argument("--clients", type=int, default=2, help="connections at once in the concurrent phase")
    ap.add_argument("--baseline", default=BEFORE_ISSUE_14, help="git ref of the baseline tree")
    args = ap.parse_args()
    world = World(7, "large")
    users = [a.username for a in world.accounts[: args.users]]
    fmt: Callable[[float], str] = lambda x: f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        before = measure(baseline_tree(args.baseline, Path(tmp)), args, users)
        after = measure(ROOT, args, users)
    rows = [("measure (large world)", f"baseline {args.baseline}", "this tree", "ratio")]
    rows += [
        (k, fmt(before[k]), fmt(after[k]), f"{after[k] / before[k]:.2f}x" if before[k] else "-")
        for k in before
    ]
    print(table(rows))
    print(f"\nhost: {psutil.cpu_count()} CPUs, load average (1 min) at the end {psutil.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
