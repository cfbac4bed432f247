"""Normalize + write: rows per CPU-second, the columnar ``normalize`` against the row-wise one it replaced.

Real pages: Research ``video/query`` pages (100 videos asked, ~90 served: deleted and private ones are left out, as
the API does) with all 23 fields, fetched once over HTTP from the
sandbox (large world, every region, by the project's client), kept in memory; then only the CPU of
``normalize`` + ``PartitionWriter`` (write, commit with its dedupe, zstd Parquet) is timed, by
``time.process_time`` with the sandbox stopped. Both implementations run on the same pages in the same run,
alternating, best of ``--repeat``; the baseline is ``tests/lake/reference_normalize.py`` (today's code, frozen).

Then peak RSS while writing 100k and 1M rows, each in a fresh process: the same real pages replayed with their
ids shifted per pass (distinct, still newest first), one page at a time, as a collector writes them.
Run: .venv/bin/python benchmarks/lake_normalize.py [--rows 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lake"))

from reference_normalize import normalize as reference_normalize  # noqa: E402

from tiktok_assets.clients.research import ResearchClient  # noqa: E402
from tiktok_assets.clients.transport import RetryPolicy  # noqa: E402
from tiktok_assets.lake.datasets import research as rds  # noqa: E402
from tiktok_assets.lake.normalize import normalize  # noqa: E402
from tiktok_assets.lake.writer import PartitionWriter  # noqa: E402
from tiktok_assets.sandbox.testing import running_sandbox  # noqa: E402
from tiktok_assets.sandbox.world.vocab import REGIONS  # noqa: E402

STAMP = 1_781_006_400  # collected_at of every page
Normalize = Callable[..., Any]


def fetch_pages(rows: int) -> list[bytes]:
    """Pages (all fields) of every region's videos, newest first, until ``rows`` videos; each kept as JSON
    bytes and parsed again just before its turn, so the process holds one page of records at a time (as a
    collector does) and the garbage collector does not walk a whole sample's dicts while timing."""
    query = {"and": [{"operation": "IN", "field_name": "region_code", "field_values": list(REGIONS)}]}
    pages: list[bytes] = []
    got = 0
    with running_sandbox(size="large", now="2026-11-01T12:00:00Z", research_daily_requests=10**8,
                         research_daily_records=10**9, per_minute=10**8) as sb:  # fmt: skip
        client = ResearchClient(sb.client_key, sb.client_secret, sb.research_url, policy=RetryPolicy.fast())
        try:
            for page in client.iter_videos_range(query, date(2026, 9, 1), date(2026, 10, 30)):
                if page.records:
                    pages.append(orjson.dumps(page.records))
                    got += len(page.records)
                if got >= rows:
                    break
        finally:
            client.close()
    return pages


def normalize_and_write(impl: Normalize, pages: list[bytes], lake: str) -> tuple[float, float, int]:
    """CPU seconds in normalize, CPU seconds in the writer (write + commit), rows committed."""
    in_normalize = in_writer = 0.0
    writer = PartitionWriter(lake, rds.VIDEOS, {"query": "bench", "date": "2026-09-01"})
    for page in pages:
        records = orjson.loads(page)  # what the client hands over (not timed: the client's CPU)
        t0 = time.process_time()
        table = impl(rds.VIDEOS, records, STAMP, (date(2026, 9, 1), date(2026, 10, 30)))
        t1 = time.process_time()
        writer.write(table)
        in_normalize, in_writer = in_normalize + t1 - t0, in_writer + time.process_time() - t1
    t0 = time.process_time()
    rows = writer.commit()
    return in_normalize, in_writer + time.process_time() - t0, rows


def throughput(pages: list[bytes], repeat: int, rows: int) -> None:
    best: dict[str, tuple[float, float, int]] = {}
    for _ in range(repeat):
        for name, impl in (("row-wise (before)", reference_normalize), ("columnar (after)", normalize)):
            with tempfile.TemporaryDirectory() as lake:
                result = normalize_and_write(impl, pages, lake)
            if name not in best or sum(result[:2]) < sum(best[name][:2]):
                best[name] = result
    base = sum(best["row-wise (before)"][:2])
    print(f"\nnormalize + PartitionWriter on {rows:,} real 23-field video rows ({len(pages)} pages), "
          f"best of {repeat}")  # fmt: skip
    print(f"{'implementation':<20} {'normalize CPU-s':>16} {'write CPU-s':>12} {'rows/CPU-s':>11} "
          f"{'normalize share':>16} {'speed-up':>9} {'committed':>10}")  # fmt: skip
    for name, (norm, write, committed) in best.items():
        total = norm + write
        print(f"{name:<20} {norm:>16.2f} {write:>12.2f} {rows / total:>11,.0f} {norm / total:>16.0%} "
              f"{base / total:>8.1f}x {committed:>10,}")  # fmt: skip
    after = rows / sum(best["columnar (after)"][:2])
    print(f"goal ≥ 50,000 rows/CPU-s: {'met' if after >= 50_000 else 'NOT met'} ({after:,.0f})")


CHILD = r"""
import json, pickle, sys
from datetime import date
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter
import orjson
pages_file, rows, lake = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(pages_file, "rb") as f:
    pages = pickle.load(f)  # JSON bytes per page
ids = [r["id"] for p in pages for r in orjson.loads(p)]
span = max(ids) - min(ids) + 1
del ids
def rss_mb():
    # VmHWM: this process's peak. ru_maxrss would carry the parent's peak across fork + exec (the sandbox's).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
base = rss_mb()  # the pages themselves and the imports: what the process holds before writing
w = PartitionWriter(lake, rds.VIDEOS, {"query": "rss", "date": "2026-09-01"})
written, shift = 0, 0
while written < rows:
    for body in pages:
        if written >= rows:
            break
        page = [{**r, "id": r["id"] - shift} for r in orjson.loads(body)[: rows - written]]
        w.write(normalize(rds.VIDEOS, page, 1_781_006_400, (date(2026, 9, 1), date(2026, 10, 30))))
        written += len(page)
    shift += span  # the next pass: older ids, so the partition stays newest first and distinct
writing = rss_mb()
committed = w.commit()
print(json.dumps({"rows": committed, "base_mb": base, "writing_mb": writing, "peak_mb": rss_mb()}))
"""


def peak_rss(pages: list[bytes], sizes: list[int]) -> None:
    print("\npeak RSS, columnar normalize + PartitionWriter, one page at a time (fresh process per size)")
    print(f"{'rows':>10} {'committed':>10} {'before writing MB':>18} {'peak writing MB':>16} "
          f"{'peak w/ commit MB':>18} {'goal ≤ 250 MB':>14}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        pages_file = Path(tmp) / "pages.pickle"
        pages_file.write_bytes(pickle.dumps(pages))
        for rows in sizes:
            lake = Path(tmp) / f"lake-{rows}"
            out = subprocess.run([sys.executable, "-c", CHILD, str(pages_file), str(rows), str(lake)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{rows:>10,} {r['rows']:>10,} {r['base_mb']:>18.0f} {r['writing_mb']:>16.0f} "
                  f"{r['peak_mb']:>18.0f} {'met' if r['peak_mb'] <= 250 else 'NOT met':>14}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000, help="real rows to fetch and time")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rss-sizes", default="100000,1000000")
    ap.add_argument("--pages-file", help=argparse.SUPPRESS)  # the timing child: pages fetched by the parent
    args = ap.parse_args()
    if args.pages_file:
        pages = pickle.loads(Path(args.pages_file).read_bytes())
        throughput(pages, args.repeat, sum(len(orjson.loads(p)) for p in pages))
        return
    t0 = time.perf_counter()
    pages = fetch_pages(args.rows)
    print(f"fetched {sum(len(orjson.loads(p)) for p in pages):,} rows in {len(pages)} pages "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        # Timed in a fresh process: this one still holds the sandbox's world, whose objects the garbage
        # collector would walk during the timed code (a collector's process holds no world).
        pages_file = Path(tmp) / "pages.pickle"
        pages_file.write_bytes(pickle.dumps(pages))
        child = [sys.executable, __file__, "--pages-file", str(pages_file), "--repeat", str(args.repeat)]
        print(subprocess.run(child, capture_output=True, text=True, check=True, cwd=ROOT).stdout, end="")
    if args.rss_sizes:
        # 100 pages are replayed: the child holds their bytes (a few MB), not the whole fetched sample.
        peak_rss(pages[:100], [int(s) for s in args.rss_sizes.split(",")])


if __name__ == "__main__":
    main()
