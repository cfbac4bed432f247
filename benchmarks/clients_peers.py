"""Our clients vs the public ones (peers.md) on the same sandbox, with no faults and each fault at 10%.

Task A (Research API): every `#fyp` video of 60 days (two 30-day windows), 100 a page.
  ours: ResearchClient.iter_videos_range · official: TikTokResearchApi.query_videos(fetch_all_pages=True)
Task B (EnsembleData): every post of hashtag `cat` (cursor paging).
  ours: EnsembleDataClient.iter_hashtag_posts · official: ensembledata EDClient, cursor loop by hand (it has none)

Columns: rows collected, missing / duplicate against the sandbox truth, requests the server saw, outcome.
Sleeps of every client are skipped (time.sleep patched / injected), so the figures are requests, not seconds.
Run: .venv/bin/python benchmarks/clients_peers.py
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable
from typing import Any
from unittest import mock

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import running_sandbox

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


def main() -> None:
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


if __name__ == "__main__":
    main()
