"""Requests and retries our clients spend per fault type (10%), against the pages a perfect client needs.

Research: `#fyp` videos of 30 days (100 a page) + the comments of the most-commented video (30 a page).
EnsembleData: hashtag `cat` posts + a user's posts (depth 1). Every run is checked against the sandbox truth.
Run: .venv/bin/python benchmarks/clients_faults.py
"""

from __future__ import annotations

import logging
import time

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import running_sandbox

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
WINDOW = ("20260501", "20260530")
KINDS = (
    "internal_error",
    "gateway_timeout_html",
    "invalid_cursor",
    "rate_limit",
    "connection_reset",
    "truncated_body",
)


def policy() -> RetryPolicy:
    p = RetryPolicy.fast(lambda s: None)
    p.search_id_wait, p.search_id_attempts, p.sleep = 0.05, 8, time.sleep  # the lag is wall time
    return p


def run(faults: dict[str, float]) -> tuple[str, ...]:
    with running_sandbox(faults=faults) as sb:
        rc = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, policy=policy())
        videos = [p for p in rc.iter_videos(FYP, *WINDOW)]
        vid = max((v for p in videos for v in p.records), key=lambda v: v.get("comment_count", 0))["id"]
        comments = list(rc.iter_comments(vid, max_count=30))
        ok = [str(v["id"]) for p in videos for v in p.records] == sb.truth(
            "research", "video/query", {"query": FYP, "start_date": WINDOW[0], "end_date": WINDOW[1]}
        ) and [str(c["id"]) for p in comments for c in p.records] == sb.truth(
            "research", "video/comment/list", {"video_id": vid, "max_count": 30}
        )
        ed = EnsembleDataClient(sb.ed_token, sb.ensembledata_url, policy=policy())
        tag = list(ed.iter_hashtag_posts("cat"))
        ok = ok and [p["aweme_id"] for pg in tag for p in pg.records] == sb.truth(
            "ensembledata", "tt/hashtag/posts", {"name": "cat"}
        )
        r_pages, e_pages = len(videos) + len(comments), len(tag)
        rs, es = rc.stats, ed.stats
        return (
            "+".join(faults) or "none",
            str(r_pages),
            str(rs.requests - rc.token_fetches),
            str(rs.retries),
            str(rs.rate_limit_waits),
            str(e_pages),
            str(es.requests),
            str(es.retries),
            str(ed.units_spent),
            "equal" if ok else "DIFFERENT",
        )


def main() -> None:
    logging.disable(logging.CRITICAL)
    head = (
        "faults",
        "R pages",
        "R requests",
        "R retries",
        "R 429 waits",
        "ED pages",
        "ED requests",
        "ED retries",
        "ED units",
        "vs truth",
    )
    rows = [run({})] + [run({k: 0.1}) for k in KINDS] + [run({"search_id_lag": 0.15})]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
