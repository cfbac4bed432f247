"""Sandbox throughput: full 100-video pages per second from the large world, plus its startup time and RSS.

The server runs in its own process (`tiktok-assets sandbox serve --size large`), so it has one core to
itself as far as Python is concerned (one GIL); this process is the client (httpx, keep-alive).
Run: .venv/bin/python benchmarks/sandbox_throughput.py [--windows N] [--days D]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import psutil

from tiktok_assets.sandbox.world.vocab import REGIONS  # the world's regions: queries that match

FIELDS = (
    "id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,"
    "music_id,hashtag_names,username,effect_ids,playlist_id,voice_to_text"
)


def start_server() -> tuple[subprocess.Popen[str], str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiktok_assets.cli",
            "sandbox",
            "serve",
            "--size",
            "large",
            "--port",
            "0",
            "--now",
            "2026-11-01T12:00:00Z",
            "--per-minute",
            "100000000",
            "--research-daily-requests",
            "100000000",
            "--research-daily-records",
            "1000000000",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None
    base = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
    httpx.get(f"{base}/_sandbox/health").raise_for_status()
    return proc, base, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=6, help="search windows to page through")
    ap.add_argument("--days", type=int, default=3, help="days per window")
    args = ap.parse_args()

    proc, base, startup = start_server()
    server = psutil.Process(proc.pid)
    rss_start = server.memory_info().rss
    http = httpx.Client(base_url=base, timeout=120)
    token = http.post(
        "/v2/oauth/token/",
        data={
            "client_key": "sandbox-key",
            "client_secret": "sandbox-secret",
            "grant_type": "client_credentials",
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    first_pages = later_pages = videos = 0
    first_time = later_time = first_cpu = later_cpu = 0.0

    def cpu() -> float:
        t = server.cpu_times()
        return t.user + t.system

    for w in range(args.windows):
        day0 = 1 + w * (args.days + 1)
        body = {
            "query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": REGIONS}]},
            "start_date": f"202609{day0:02d}",
            "end_date": f"202609{day0 + args.days - 1:02d}",
            "max_count": 100,
        }
        c0 = cpu()
        while True:
            t = time.perf_counter()
            r = http.post(
                f"/v2/research/video/query/?fields={FIELDS}", content=orjson.dumps(body), headers=headers
            )
            dt = time.perf_counter() - t
            data = orjson.loads(r.content)["data"]
            videos += len(data["videos"])
            if "search_id" not in body:
                first_pages, first_time = first_pages + 1, first_time + dt
                c1 = cpu()
                first_cpu += c1 - c0
            else:
                later_pages, later_time = later_pages + 1, later_time + dt
            if not data["has_more"]:
                break
            body.update(cursor=data["cursor"], search_id=data["search_id"])
        later_cpu += cpu() - c1
    rss_end = server.memory_info().rss
    server_cpu = first_cpu + later_cpu
    proc.terminate()
    proc.wait(timeout=10)

    pages = first_pages + later_pages
    total = first_time + later_time
    rows = [
        ("large world startup (process start to first answer)", f"{startup:.2f} s"),
        ("server RSS after startup", f"{rss_start / 2**20:.0f} MiB"),
        ("server RSS after the run", f"{rss_end / 2**20:.0f} MiB"),
        ("search windows x days", f"{args.windows} x {args.days}"),
        ("pages (max_count 100) / videos returned", f"{pages} / {videos} ({videos / pages:.1f} per page)"),
        (
            "first page of a search (runs the search), mean",
            f"{1000 * first_time / max(first_pages, 1):.0f} ms",
        ),
        ("later pages (cached search), pages/s wall", f"{later_pages / later_time:.0f}"),
        (
            "later pages (cached search), pages per server CPU-second",
            f"{later_pages / max(later_cpu, 1e-9):.0f}",
        ),
        ("all pages incl. searches, pages/s wall", f"{pages / total:.0f}"),
        ("all pages incl. searches, pages per server CPU-second", f"{pages / max(server_cpu, 1e-9):.0f}"),
        (
            "host load average (1 min) at the end",
            f"{psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} CPUs",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|-{'-' * 24}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
