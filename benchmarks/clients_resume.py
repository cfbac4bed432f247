"""What a resume re-fetches: a 30-day `#fyp` search interrupted after every page k, then resumed.

Modes: `id_bound` (default: the narrowed query also says `video_id LT <oldest stored id>`) and `day` (only the
end date is narrowed to the oldest stored video's day; that day's newer videos come back and are dropped).
Columns: interruptions tried, requests of an uninterrupted run, mean / max extra requests (pages before the
interruption + the resume, minus the uninterrupted run) and re-fetched records per resume.
Run: .venv/bin/python benchmarks/clients_resume.py [--max-count 100]
"""

from __future__ import annotations

import argparse
import statistics

from tiktok_assets.clients.pages import ResumeState
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import running_sandbox

FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}
WINDOW = ("20260501", "20260530")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-count", type=int, default=100)
    args = parser.parse_args()
    with running_sandbox(research_daily_requests=10**7, per_minute=10**7) as sb:
        client = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast())
        full = list(client.iter_videos(FYP, *WINDOW, max_count=args.max_count))
        rows = []
        for exact in (True, False):
            extra_requests: list[int] = []
            refetched: list[int] = []
            for k in range(1, len(full)):
                stored = [v for p in full[:k] for v in p.records]
                remaining = [v for p in full[k:] for v in p.records]
                client.exact_resume = exact
                pages = list(
                    client.iter_videos(
                        FYP, *WINDOW, max_count=args.max_count, resume=ResumeState.from_records(stored)
                    )
                )
                got = [v for p in pages for v in p.records]
                assert {v["id"] for v in got} == {v["id"] for v in remaining}, "resume lost or added videos"
                # The interruption's cost: requests of (first k pages + the resume) beyond the uninterrupted run.
                extra_requests.append(k + sum(p.requests for p in pages) - len(full))
                refetched.append(sum(p.skipped for p in pages))
            rows.append(
                (
                    "id_bound" if exact else "day",
                    len(full) - 1,
                    len(full),
                    f"{statistics.mean(extra_requests):.2f}",
                    max(extra_requests),
                    f"{statistics.mean(refetched):.1f}",
                    max(refetched),
                )
            )
        client.close()
    head = (
        "mode",
        "interruptions",
        "requests (uninterrupted)",
        "extra req mean",
        "extra req max",
        "refetched rec mean",
        "refetched rec max",
    )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
