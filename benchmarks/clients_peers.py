"""The project's Research client against the public ones (peers.md), on the same sandbox, in one table.

Default (`clients_peers.py [--cells 5x30,50x365,...]`): every video of N accounts over D days (the large world,
clock 2026-11-01T12:00Z, the D complete days before the 48-hour archive lag), 100 a page, 14 fields.
  project   ResearchClient.iter_videos_range: one `and` IN per ≤100 accounts, 31-day windows (the API's span);
            "project, 30-day windows" is the same client with the windows used before issue 14
  official IN           TikTokResearchApi.query_videos(fetch_all_pages=True), one IN per ≤100 accounts (its
                        own 30-day chunks)
  official per account  the same wrapper, one EQ search per account
  C4D model             tiktok-research-api-helper 0.1.3 (Cybersecurity for Democracy), MODELLED here from its
                        published source: its dependencies (pendulum, pause, typer, …) are not installed here.
                        What it does that matters: `main_driver` windows of max_days_per_query (default 7) with
                        end = start + 7 days and the next start = that end (it believes end_date exclusive, so
                        the boundary day is fetched twice); `--only-from-usernames` is an `and` IN; requests
                        through requests.Session with the body from json.dumps (cursor/search_id null on the
                        first page); `response.text` evaluated for a debug log; JSON parsed by
                        `response.json(cls=NullByteRemovingJSONDencoder)` (an object hook stripping NUL bytes).
Columns: requests the server saw (video/query), rows collected, truth (the sandbox's own answer), missing,
duplicates, client CPU-s (this process: the sandbox runs in its own) and client CPU per request. Ratios are
against the project's figure in the same cell.

`--faults`: the older comparison (one 60-day task, no faults and each fault at 10%, plus EnsembleData).
Sleeps of every client are skipped (time.sleep patched / injected), so the figures are requests, not seconds.
Run: .venv/bin/python benchmarks/clients_peers.py [--faults]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.planner import MAX_WINDOW_DAYS, pack_in_conditions, split_windows
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import SandboxHandle, running_sandbox
from tiktok_assets.sandbox.world import World

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
WINDOWS = (("20260401", "20260430"), ("20260501", "20260530"))
FAULTS: list[dict[str, float]] = [
    {},
    *(
        {k: 0.1}
        for k in (
            "internal_error",
            "gateway_timeout_html",
            "invalid_cursor",
            "rate_limit",
            "connection_reset",
            "truncated_body",
        )
    ),
]


def served(sb: Any, prefix: str) -> int:
    return sum(
        n for ep, codes in sb.stats()["requests"].items() if ep.startswith(prefix) for n in codes.values()
    )


def run(task: Callable[[Any], list[str]], sb: Any) -> tuple[list[str], str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return task(sb), "ok"
    except Exception as exc:  # a peer's crash is a result here
        return [], f"raised {type(exc).__name__}"


def ours_research(sb: Any) -> list[str]:
    c = ResearchClient(
        sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast(lambda s: None)
    )
    return [str(v["id"]) for p in c.iter_videos_range(FYP, WINDOWS[0][0], WINDOWS[1][1]) for v in p.records]


def official_research(sb: Any) -> list[str]:
    import tiktok_research_api as tra

    cls = type(
        "SandboxAPI",
        (tra.TikTokResearchAPI,),
        {"url": property(lambda s: sb.research_url, lambda s, v: None)},
    )
    api = cls(sb.client_key, sb.client_secret, qps=100_000)
    query = tra.Query(and_criteria=[tra.Criteria("EQ", "hashtag_name", ["fyp"])])
    req = tra.QueryVideoRequest(query=query, start_date=WINDOWS[0][0], end_date=WINDOWS[1][1], max_count=100)
    with mock.patch("time.sleep", lambda s: None):
        videos = api.query_videos(req, fetch_all_pages=True)[0]
    return [str(v["id"]) for v in videos]


def ours_ed(sb: Any) -> list[str]:
    c = EnsembleDataClient(sb.ed_token, sb.ensembledata_url, policy=RetryPolicy.fast(lambda s: None))
    return [str(p["aweme_id"]) for page in c.iter_hashtag_posts("cat") for p in page.records]


def official_ed(sb: Any) -> list[str]:
    from ensembledata.api import EDClient, _requester

    with mock.patch.object(_requester, "BASE_URL", sb.ensembledata_url):
        client = EDClient(sb.ed_token, timeout=60, max_network_retries=3)
        out: list[str] = []
        cursor = None
        for _ in range(1000):
            res = client.tiktok.hashtag_search(hashtag="cat", cursor=cursor or 0)
            payload = res.data
            out += [str(p["aweme_id"]) for p in payload.get("data", [])]
            cursor = payload.get("nextCursor")
            if cursor is None:
                break
        return out


def faults_main() -> None:
    logging.disable(logging.CRITICAL)
    rows = []
    for faults in FAULTS:
        label = "+".join(faults) or "none"
        for name, task, prefix, truth_of in (
            ("ours research", ours_research, "research /v2/research", "research"),
            ("official TikTokResearchApi", official_research, "research /v2/research", "research"),
            ("ours ensembledata", ours_ed, "ensembledata", "ed"),
            ("official ensembledata", official_ed, "ensembledata", "ed"),
        ):
            with running_sandbox(faults=faults) as sb:
                if truth_of == "research":
                    truth = [
                        k
                        for s, e in WINDOWS
                        for k in sb.truth(
                            "research",
                            "video/query",
                            {"query": FYP, "start_date": s, "end_date": e, "max_count": 100},
                        )
                    ]
                else:
                    truth = sb.truth("ensembledata", "tt/hashtag/posts", {"name": "cat"})
                got, outcome = run(task, sb)
                missing = len(set(truth) - set(got))
                dupes = len(got) - len(set(got))
                rows.append((label, name, len(got), len(truth), missing, dupes, served(sb, prefix), outcome))
    head = ("faults", "client", "rows", "truth", "missing", "dupes", "requests", "outcome")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))


# ---------------------------------------------------------------------------------------------- the table
TABLE_NOW = "2026-11-01T12:00:00Z"
LAST_DAY = date(2026, 10, 29)  # the last complete day past the 48-hour archive lag at TABLE_NOW
TABLE_FIELDS = (
    "id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,"
    "music_id,hashtag_names,username,effect_ids,playlist_id,voice_to_text"
)
VIDEO_QUERY = "research /v2/research/video/query/"


def in_groups(users: list[str]) -> list[dict[str, Any]]:
    """One `and` IN per ≤100 accounts (the sandbox's IN limit): what every client is given."""
    return [{"and": [c]} for c in pack_in_conditions("username", users)]


def project(sb: SandboxHandle, users: list[str], start: date, end: date, max_days: int) -> list[str]:
    c = ResearchClient(
        sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast(lambda s: None)
    )
    fields = TABLE_FIELDS.split(",")
    return [
        str(v["id"])
        for q in in_groups(users)
        for page in c.iter_videos_range(q, start, end, fields, max_days=max_days)
        for v in page.records
    ]


def official(sb: SandboxHandle, queries: list[Any], start: date, end: date) -> list[str]:
    import tiktok_research_api as tra

    cls = type(
        "SandboxAPI",
        (tra.TikTokResearchAPI,),
        {"url": property(lambda s: sb.research_url, lambda s, v: None)},
    )
    api = cls(sb.client_key, sb.client_secret, qps=100_000)
    out: list[str] = []
    with mock.patch("time.sleep", lambda s: None), contextlib.redirect_stdout(io.StringIO()):
        for query in queries:
            req = tra.QueryVideoRequest(
                query=query, start_date=f"{start:%Y%m%d}", end_date=f"{end:%Y%m%d}", max_count=100
            )
            req.fields = TABLE_FIELDS
            out += [str(v["id"]) for v in api.query_videos(req, fetch_all_pages=True)[0]]
    return out


def official_in(sb: SandboxHandle, users: list[str], start: date, end: date) -> list[str]:
    import tiktok_research_api as tra

    groups = [users[i : i + 100] for i in range(0, len(users), 100)]
    return official(
        sb, [tra.Query(and_criteria=[tra.Criteria("IN", "username", g)]) for g in groups], start, end
    )


def official_per_account(sb: SandboxHandle, users: list[str], start: date, end: date) -> list[str]:
    import tiktok_research_api as tra

    return official(
        sb, [tra.Query(and_criteria=[tra.Criteria("EQ", "username", [u])]) for u in users], start, end
    )


class _NulStripping(json.JSONDecoder):
    """C4D's NullByteRemovingJSONDencoder: an object hook replacing NUL in every string value of an object."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs, object_hook=self._strip)

    @staticmethod
    def _strip(d: dict[str, Any]) -> dict[str, Any]:
        for k, v in d.items():
            if isinstance(v, str):
                d[k] = v.replace("\x00", "")
        return d


def c4d_model(
    sb: SandboxHandle, users: list[str], start: date, end: date, days_per_query: int = 7
) -> list[str]:
    import requests

    session = requests.Session()
    form = {
        "client_key": sb.client_key,
        "client_secret": sb.client_secret,
        "grant_type": "client_credentials",
    }
    token = session.post(f"{sb.research_url}/v2/oauth/token/", data=form).json()["access_token"]
    session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    url = f"{sb.research_url}/v2/research/video/query/?fields={TABLE_FIELDS}"
    out: list[str] = []
    for q in in_groups(users):
        s = start
        while s <= end:  # main_driver: end = start + N days (taken as exclusive), next start = that end
            e = min(s + timedelta(days=days_per_query), end)
            cursor, search_id, has_more = None, None, True
            while has_more:  # api_results_iter
                body = {"query": q, "start_date": f"{s:%Y%m%d}", "end_date": f"{e:%Y%m%d}", "max_count": 100,
                        "is_random": False, "cursor": cursor, "search_id": search_id}  # fmt: skip
                resp = session.post(url, data=json.dumps(body))
                _ = resp.text  # logging.debug("%s\n%s", response, response.text): evaluated at every call
                data = resp.json(cls=_NulStripping)["data"]
                out += [str(v["id"]) for v in data.get("videos", [])]
                cursor, search_id, has_more = (
                    data["cursor"],
                    data.get("search_id", search_id),
                    data["has_more"],
                )
            s += timedelta(days=days_per_query)
    return out


CLIENTS: list[tuple[str, Callable[[SandboxHandle, list[str], date, date], list[str]]]] = [
    ("project", lambda sb, u, s, e: project(sb, u, s, e, MAX_WINDOW_DAYS)),
    ("project, 30-day windows (before)", lambda sb, u, s, e: project(sb, u, s, e, 30)),
    ("official IN", official_in),
    ("official per account", official_per_account),
    ("C4D model (7-day default)", c4d_model),
]


def truth_of(sb: SandboxHandle, users: list[str], start: date, end: date) -> set[str]:
    keys: set[str] = set()
    for q in in_groups(users):
        for w in split_windows(start, end):
            body = {"query": q, "start_date": w.ymd()[0], "end_date": w.ymd()[1], "max_count": 100}
            keys.update(sb.truth("research", "video/query", body))
    return keys


def start_large_sandbox() -> tuple[subprocess.Popen[str], SandboxHandle]:
    """The large world in its own process, so this process's CPU time is the clients' alone."""
    # fmt: off
    proc = subprocess.Popen(
        [sys.executable, "-m", "tiktok_assets.cli", "sandbox", "serve", "--size", "large", "--port", "0",
         "--now", TABLE_NOW, "--per-minute", "100000000", "--research-daily-requests", "100000000",
         "--research-daily-records", "1000000000"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    # fmt: on
    assert proc.stdout is not None
    return proc, SandboxHandle(proc.stdout.readline().rsplit(" ", 1)[-1].strip())


def video_requests(sb: SandboxHandle) -> int:
    return sum(sb.stats()["requests"].get(VIDEO_QUERY, {}).values())


def table_main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", default="5x30,5x365,50x30,50x365,500x30,500x365", help="accounts x days, ...")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)
    proc, sb = start_large_sandbox()
    try:
        world_users = [a.username for a in World(7, "large").accounts]
        rows = [("accounts", "days", "client", "requests", "req ratio", "rows", "truth", "missing", "dupes",
                 "dupes %", "client CPU s", "CPU ms/req", "CPU ratio")]  # fmt: skip
        for cell in args.cells.split(","):
            n, days = (int(x) for x in cell.split("x"))
            users, start = world_users[:n], LAST_DAY - timedelta(days=days - 1)
            truth = truth_of(sb, users, start, LAST_DAY)
            base_req = base_cpu = 0.0
            for name, client in CLIENTS:
                before, cpu0 = video_requests(sb), time.process_time()
                got = client(sb, users, start, LAST_DAY)
                cpu, req = time.process_time() - cpu0, video_requests(sb) - before
                if name == "project":
                    base_req, base_cpu = req, cpu
                dupes = len(got) - len(set(got))
                rows.append((str(n), str(days), name, str(req), f"{req / base_req:.2f}", str(len(got)),
                             str(len(truth)), str(len(truth - set(got))), str(dupes),
                             f"{100 * dupes / max(len(got), 1):.1f}", f"{cpu:.2f}", f"{1000 * cpu / max(req, 1):.2f}",
                             f"{cpu / base_cpu:.2f}"))  # fmt: skip
                print(" | ".join(rows[-1]), file=sys.stderr, flush=True)  # progress
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for i, r in enumerate(rows):
            print(" | ".join(v.ljust(w) if j == 2 else v.rjust(w) for j, (v, w) in enumerate(zip(r, widths, strict=True))))  # fmt: skip
            if i == 0:
                print("-|-".join("-" * w for w in widths))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    faults_main() if "--faults" in sys.argv else table_main(sys.argv[1:])
