"""Peak RSS while streaming a partition of 100k and 1M video rows through the lake writer.

Each size runs in a fresh subprocess so peaks do not mix. Pages of 100 API-shaped records (as the Research
API returns them) are normalized and written; memory should stay flat as the partition grows.
Run: .venv/bin/python benchmarks/lake_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter
rows, lake, order = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
day = 1_777_593_600
def vid(i):
    # "desc": newest first, as a search returns them; "mixed": no order (forces the commit's dedupe pass).
    n = rows - i if order == "desc" else (i * 7_919) % rows
    return (day << 32) + n
def page(start):
    return [{"id": vid(i), "create_time": day + i % 86_400,
             "username": f"user{i % 5000}", "region_code": "US", "video_description": "a video #fyp #cat",
             "hashtag_names": ["fyp", "cat"], "view_count": i, "like_count": i // 2, "comment_count": 3,
             "share_count": 1, "music_id": 7_000_000_000_000_000_000 + i % 300}
            for i in range(start, min(start + 100, rows))]
# Warm up (imports, allocator pools) so the baseline is the steady state of an empty writer.
with PartitionWriter(lake, rds.VIDEOS, {"query": "warm", "date": "2026-05-01"}) as w:
    w.write(normalize(rds.VIDEOS, page(0), day, None))
base = rss_mb()
t0 = time.perf_counter()
w = PartitionWriter(lake, rds.VIDEOS, {"query": "bench", "date": "2026-05-01"})
for start in range(0, rows, 100):
    w.write(normalize(rds.VIDEOS, page(start), day + 2 * 86_400, None))
writing = rss_mb()
w.commit()
print(json.dumps({"rows": w.rows_committed, "base_mb": base, "writing_mb": writing, "peak_mb": rss_mb(),
                  "seconds": time.perf_counter() - t0}))
"""


def main() -> None:
    print(
        f"{'rows':>10} {'id order':>9} {'committed':>10} {'baseline MB':>12} {'peak writing MB':>16} {'peak w/ commit MB':>18} {'seconds':>8}"
    )
    for rows, order in ((100_000, "desc"), (1_000_000, "desc"), (1_000_000, "mixed")):
        with tempfile.TemporaryDirectory() as lake:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(rows), lake, order],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{rows:>10,} {order:>9} {r['rows']:>10,} {r['base_mb']:>12.0f} {r['writing_mb']:>16.0f} "
              f"{r['peak_mb']:>18.0f} {r['seconds']:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
