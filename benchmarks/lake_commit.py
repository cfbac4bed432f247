"""What a day partition's commit costs now that it deletes its month's compacted copy before and after
publishing (``lake.compaction.invalidate``), on the local disk and on an S3 API (moto's server on loopback).

Baseline in the same run: the same commits with ``invalidate`` replaced by a no-op, which is what a commit
cost before compaction; the shipped variant counts its calls (``deletes a commit``). Each round commits 30
day partitions of 300 video rows (2026-05-01..30) under a fresh prefix; the variants alternate, best of
``--repeat`` rounds. On S3 each ``invalidate`` is one DELETE request (``S3Storage.delete``), so a commit
makes two more requests than the baseline. moto answers in-process over loopback: a real endpoint's round
trip is longer, and so is each DELETE.

Run: .venv/bin/python benchmarks/lake_commit.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from tiktok_assets.cluster.object_store import ObjectStore
from tiktok_assets.lake import compaction
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.s3_storage import S3Storage
from tiktok_assets.lake.storage import LakeStorage, LocalStorage
from tiktok_assets.lake.writer import PartitionWriter

DAYS, ROWS = 30, 300
FIRST = date(2026, 5, 1)


def day_rows(day: date) -> pa.Table:
    base = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    rows = [{"id": base * 1_000 + i, "create_time": base + i * 60, "username": f"user{i % 40}",
             "video_description": f"video {i} #fyp", "view_count": i * 7, "like_count": i} for i in range(ROWS)]  # fmt: skip
    return normalize(rds.VIDEOS, rows, base)


def commit_round(storage: LakeStorage, tables: dict[date, pa.Table]) -> float:
    """Seconds to write and commit every day once."""
    started = time.perf_counter()
    for day, table in tables.items():
        with PartitionWriter(storage, rds.VIDEOS, {"query": "bench", "date": day.isoformat()}) as writer:
            writer.write(table)
    return time.perf_counter() - started


def best(
    make: Callable[[], LakeStorage], tables: dict[date, pa.Table], repeat: int
) -> dict[str, tuple[float, float]]:
    """variant → (best seconds a round, deletes a commit)."""
    shipped, deletes = compaction.invalidate, 0

    def counted(*args: object) -> None:
        nonlocal deletes
        deletes += 1
        shipped(*args)  # type: ignore[arg-type]

    times: dict[str, list[float]] = {"baseline": [], "shipped": []}
    commit_round(make(), tables)  # warm-up: imports, connections
    for _ in range(repeat):
        for variant in times:
            compaction.invalidate = counted if variant == "shipped" else lambda *_: None
            try:
                times[variant].append(commit_round(make(), tables))
            finally:
                compaction.invalidate = shipped
    return {
        "baseline": (min(times["baseline"]), 0.0),
        "shipped": (min(times["shipped"]), deletes / (repeat * len(tables))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds per variant; the best is printed")
    repeat = parser.parse_args().repeat
    tables = {FIRST + timedelta(n): day_rows(FIRST + timedelta(n)) for n in range(DAYS)}
    store = ObjectStore().start()
    os.environ.update(store.env)
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp) / "scratch"
            results["local disk"] = best(lambda: LocalStorage(Path(tmp) / uuid.uuid4().hex), tables, repeat)
            results["S3 (moto)"] = best(
                lambda: S3Storage(f"s3://{store.bucket}/{uuid.uuid4().hex}", scratch=scratch), tables, repeat
            )
    finally:
        store.stop()
    print(f"{DAYS} day commits of {ROWS} video rows, best of {repeat}; baseline: invalidate() a no-op")
    print(f"{'lake':<11} {'variant':<9} {'ms a commit':>11} {'ratio':>6} {'deletes a commit':>16}")
    for lake, by_variant in results.items():
        for variant, (seconds, deletes) in by_variant.items():
            ms, ratio = seconds / DAYS * 1_000, seconds / by_variant["baseline"][0]
            print(f"{lake:<11} {variant:<9} {ms:>11.1f} {ratio:>6.2f} {deletes:>16.1f}")


if __name__ == "__main__":
    main()
