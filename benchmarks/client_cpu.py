"""Client CPU per page: the project's Research client against the official wrapper, on the same pages.

Both page through the same search (every region's videos of a few days, 100 a page, all 23 fields) on the
same sandbox (large world). The sandbox answers from its own threads; each client runs in the main thread and
``time.thread_time`` counts that thread only, so the figures are the client's CPU (HTTP, parsing, text
repair, paging), not the server's. Alternating runs, best of ``--repeat``. Rows:

- official: ``TikTokResearchAPI.query_videos(fetch_all_pages=True)`` (requests + stdlib json, 3 parses a page);
- ours: ``ResearchClient.iter_videos_range`` as it is;
- ours, walking every string (before): the same client with the page walk it had before this change (every
  string of every page visited for NULs and lone surrogates after the parse);
- parse floor: ``orjson.loads`` of the same bodies, what any client has to spend.
Run: .venv/bin/python benchmarks/client_cpu.py [--days 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import httpx
import orjson

from tiktok_assets.clients import responses
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.research_endpoints import VIDEO_FIELDS
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import ResearchRaw, running_sandbox
from tiktok_assets.sandbox.world.vocab import REGIONS

QUERY = {"and": [{"operation": "IN", "field_name": "region_code", "field_values": list(REGIONS)}]}


def walk_everything(content: bytes, repairs: responses.TextRepairs | None = None) -> Any:
    """``loads_exact`` before this change: after the parse, every string of the page was visited."""
    if not re.search(rb"\d{20}", content):
        try:
            return responses.clean_text(orjson.loads(content))
        except orjson.JSONDecodeError:
            pass
    parsed = json.loads(content.decode("utf-8", "surrogateescape"))
    return responses.clean_text(parsed, repairs if repairs is not None else responses.TextRepairs())


def ours(sb: Any, start: str, end: str) -> int:
    client = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast())
    try:
        return sum(len(p.records) for p in client.iter_videos_range(QUERY, start, end, list(VIDEO_FIELDS)))
    finally:
        client.close()


def ours_walking(sb: Any, start: str, end: str) -> int:
    with mock.patch.object(responses, "loads_exact", walk_everything):
        return ours(sb, start, end)


def official(sb: Any, start: str, end: str) -> int:
    import tiktok_research_api as tra

    cls = type(
        "SandboxAPI",
        (tra.TikTokResearchAPI,),
        {"url": property(lambda s: sb.research_url, lambda s, v: None)},
    )
    api = cls(sb.client_key, sb.client_secret, qps=100_000)
    query = tra.Query(or_criteria=[tra.Criteria("IN", "region_code", list(REGIONS))])
    request = tra.QueryVideoRequest(
        query=query, start_date=start, end_date=end, max_count=100, fields=",".join(VIDEO_FIELDS)
    )
    with mock.patch("time.sleep", lambda s: None), contextlib.redirect_stdout(io.StringIO()):
        return len(api.query_videos(request, fetch_all_pages=True)[0])


def bodies(sb: Any, start: str, end: str) -> list[bytes]:
    raw = ResearchRaw(sb)
    out: list[bytes] = []
    body: dict[str, Any] = {"query": QUERY, "start_date": start, "end_date": end, "max_count": 100}
    try:
        while True:
            r = raw.post("video/query", body, ",".join(VIDEO_FIELDS))
            out.append(r.content)
            data = orjson.loads(r.content)["data"]
            if not data["has_more"]:
                return out
            body = {**body, "cursor": data["cursor"], "search_id": data["search_id"]}
    finally:
        raw.close()


def video_requests(sb: Any) -> int:
    counts = sb.stats()["requests"]  # by path as sent: with or without the trailing slash
    return sum(n for path, codes in counts.items() if "/video/query" in path for n in codes.values())


def measure(task: Callable[[], int], sb: Any) -> tuple[float, int, int]:
    """(client CPU seconds, rows, video/query requests)."""
    before = video_requests(sb)
    t0 = time.thread_time()
    rows = task()
    return time.thread_time() - t0, rows, video_requests(sb) - before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)
    start, end = "20260901", f"202609{args.days:02d}"
    limits = {"research_daily_requests": 10**8, "research_daily_records": 10**9, "per_minute": 10**8}
    with running_sandbox(size="large", now="2026-11-01T12:00:00Z", **limits) as sb:
        pages = bodies(sb, start, end)
        tasks: dict[str, Callable[[], int]] = {
            "official TikTokResearchApi": lambda: official(sb, start, end),
            "ours": lambda: ours(sb, start, end),
            "ours, walking every string (before)": lambda: ours_walking(sb, start, end),
            "parse floor (orjson.loads)": lambda: sum(len(orjson.loads(b)["data"]["videos"]) for b in pages),
        }
        best: dict[str, tuple[float, int, int]] = {}
        for _ in range(args.repeat):
            for name, task in tasks.items():
                result = measure(task, sb)
                if name not in best or result[0] < best[name][0]:
                    best[name] = result
    official_per_page = best["official TikTokResearchApi"][0] / len(pages)
    print(
        f"client CPU on one search: {len(pages)} pages of {start}–{end}, all 23 fields, best of {args.repeat}"
    )
    print(f"{'client':<38} {'rows':>7} {'requests':>9} {'CPU ms/page':>12} {'vs official':>12}")
    for name, (cpu, rows, requests) in best.items():
        per_page = cpu / len(pages)
        print(
            f"{name:<38} {rows:>7,} {requests:>9} {per_page * 1000:>12.2f} {per_page / official_per_page:>11.2f}x"
        )
    ours_per_page = best["ours"][0] / len(pages)
    verdict = "met" if ours_per_page <= official_per_page else "NOT met"
    print(f"goal: ours ≤ official per page: {verdict} ({ours_per_page / official_per_page:.2f}x)")


if __name__ == "__main__":
    httpx.Client  # noqa: B018 — imported first so its import cost is outside every timed run
    main()
