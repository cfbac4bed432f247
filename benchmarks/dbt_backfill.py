"""dbt per backfill, staging cost against the lake's length, and what loading the dbt assets costs (issue 14).

Three tables, each with its baseline measured in the same run:

1. **load**: CPU-seconds of a fresh process that imports ``tiktok_assets.defs.dbt.assets`` and builds the dbt
   assets — ``before``: dagster-dbt's ``@dbt_assets`` through ``LakeDbtTranslator`` (how the code location
   built them until issue 14: dagster-dbt and dbt-core imported at load); ``after``: ``build_dbt_assets``
   (specs from manifest.json read as JSON). Median of ``--repeat`` processes; the modules each imports.
2. **backfill**: the day-partitioned staging (videos, comments) over a ``--days`` lake, through the step the
   code location runs (``dg.materialize`` of ``dbt_daily_staging``): one run per day (measured for
   ``--per-day`` days, the rest at the measured mean: marked ``est.``), 30-day runs (the old
   ``BackfillPolicy.multi_run(30)``) and one run (``single_run``). dbt invocations are counted from dbt's own
   ``invocation_id`` on every materialization.
3. **staging**: a full build of the two staging models over a lake of 30 and of 365 days (~7–10-row daily
   files, two queries + comments: 3 files a day), by the dbt CLI as the step calls it, first over the daily
   files, then after ``lake.compaction`` copied every complete month (what ``maintenance/lake_compaction`` does).
   ``wall`` is the invocation; ``sql`` is dbt's own timing of the two models (run_results.json), i.e. the
   staging work without dbt's startup; ``files read`` what a full scan opens.

Run: .venv/bin/python benchmarks/dbt_backfill.py [--days 90] [--per-day 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

START = date(2026, 1, 1)  # the first day partition of the shipped monitoring.yaml
ACCOUNTS = ("alice_creates", "bob.dances", "carol_cooks")
LOAD_BEFORE = """
import warnings; warnings.simplefilter("ignore")
from tests.dbt.test_dbt_specs import _dagster_dbt_built
from tiktok_assets.config import load_monitoring
_dagster_dbt_built(load_monitoring())
"""
LOAD_AFTER = """
from tiktok_assets.defs.dbt.assets import build_dbt_assets
from tiktok_assets.config import load_monitoring
build_dbt_assets(load_monitoring())
"""
HEAVY = ("dagster_dbt", "dbt", "dbt_common", "duckdb", "agate")


# --- the lake -----------------------------------------------------------------------------------------------


def _videos(day: date) -> list[dict]:
    out = []
    for a, username in enumerate(ACCOUNTS):
        for k in range(2 + (day.toordinal() + a) % 3):  # 2–4 videos per account-day: ~9 rows a file
            ct = int(datetime(day.year, day.month, day.day, 8 + 3 * k + a, tzinfo=UTC).timestamp())
            out.append({"id": (ct << 32) + a * 10 + k, "create_time": ct, "username": username,
                        "region_code": "US", "video_description": f"v{k} #fyp", "hashtag_names": ["fyp"],
                        "view_count": 1000 + k, "like_count": 10, "comment_count": 1, "share_count": 2,
                        "favorites_count": 1, "video_duration": 15})  # fmt: skip
    return out


def write_lake(lake: Path, days: int) -> None:
    from tiktok_assets.lake import datasets
    from tiktok_assets.lake.normalize import normalize
    from tiktok_assets.lake.writer import PartitionWriter

    collected = datetime.combine(START + timedelta(days=days + 3), datetime.min.time(), UTC)

    def write(name: str, partition: dict[str, str], records: list[dict], day: date) -> None:
        dataset = datasets.get("research", name)
        with PartitionWriter(lake, dataset, partition) as writer:
            writer.write(normalize(dataset, records, collected, (day, day)))

    for i in range(days):
        day = START + timedelta(days=i)
        videos = _videos(day)
        write("videos", {"query": "accounts", "date": day.isoformat()}, videos, day)
        write("videos", {"query": "fyp", "date": day.isoformat()}, videos[::2], day)
        comments = [{"id": v["id"] + 7, "video_id": v["id"], "parent_comment_id": v["id"], "text": "hi",
                     "like_count": 0, "reply_count": 0, "create_time": v["create_time"] + 60} for v in videos]  # fmt: skip
        write("comments", {"date": day.isoformat()}, comments, day)


# --- 1. load ------------------------------------------------------------------------------------------------


def load_cpu(code: str) -> tuple[float, list[str]]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    return cpu, [m for m in HEAVY if m in modules]


def table_load(repeat: int) -> None:
    from tiktok_assets.defs.dbt.project import PROJECT, ensure_manifest

    ensure_manifest(PROJECT)
    rows = {}
    for _ in range(repeat):  # alternate, so both see the same machine
        for name, code in (("before", LOAD_BEFORE), ("after", LOAD_AFTER)):
            cpu, heavy = load_cpu(code)
            rows.setdefault(name, ([], heavy))[0].append(cpu)
    base = statistics.median(rows["before"][0])
    print("\n1. load: import tiktok_assets.defs.dbt.assets + build the dbt assets (fresh process)")
    print(f"{'variant':<8} {'CPU-s (median)':>15} {'runs':>16} {'ratio':>6}  heavy modules imported")
    for name, (cpus, heavy) in rows.items():
        median = statistics.median(cpus)
        runs = " ".join(f"{c:.2f}" for c in cpus)
        print(f"{name:<8} {median:>15.2f} {runs:>16} {median / base:>6.2f}  {', '.join(heavy) or '-'}")


# --- 2. backfill --------------------------------------------------------------------------------------------


def staging_runs(ranges: list[tuple[str, str]]) -> tuple[float, int, int]:
    """Materialize the day staging once per range; (seconds, dbt invocations, partitions materialized)."""
    import dagster as dg

    from tests.dbt import location

    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    invocations: set[str] = set()
    partitions = 0
    for first, last in ranges:
        range_tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        result = dg.materialize(
            [location.DBT_DAILY_STAGING], resources=location.resources(), instance=instance, tags=range_tags
        )
        assert result.success
        for m in result.asset_materializations_for_node("dbt_daily_staging"):
            invocations.add(m.metadata["invocation_id"].value)
            partitions += 1
    return time.perf_counter() - started, len(invocations), partitions


def table_backfill(days: int, per_day: int) -> None:
    keys = [(START + timedelta(days=i)).isoformat() for i in range(days)]
    chunks = [(keys[i], keys[min(i + 29, days - 1)]) for i in range(0, days, 30)]
    measured = {
        "per day": staging_runs([(k, k) for k in keys[:per_day]]),
        "30-day runs": staging_runs(chunks),
        "one run": staging_runs([(keys[0], keys[-1])]),
    }
    seconds, invocations, _ = measured["per day"]
    measured["per day"] = (seconds / per_day * days, invocations // per_day * days, 0)
    base = measured["30-day runs"][0]
    print(f"\n2. backfill: day staging (videos, comments) for {days} days, through the dbt step")
    print(f"{'policy':<12} {'dbt invocations':>16} {'seconds':>9} {'vs 30-day runs':>15}")
    for name, (secs, inv, _) in measured.items():
        est = f" (est. from {per_day})" if name == "per day" else ""
        print(f"{name:<12} {inv:>16} {secs:>9.1f} {secs / base:>15.2f}{est}")


# --- 3. staging ---------------------------------------------------------------------------------------------


def dbt_build(data: Path) -> tuple[float, float]:
    from tiktok_assets.defs.dbt.project import DBT_DIR, DBT_EXECUTABLE

    target = data / "target"
    dbt_vars = {"lake_dir": str(data / "lake"), "duckdb_path": str(data / "wh.duckdb")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOK_")}
    (data / "wh.duckdb").unlink(missing_ok=True)  # every build from an empty warehouse: like for like
    started = time.perf_counter()
    subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", "stg_research__videos stg_research__comments", "--full-refresh",
         "--vars", json.dumps(dbt_vars), "--target-path", str(target), "--log-path", str(data / "logs")],
        cwd=DBT_DIR, env=env, capture_output=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    results = json.loads((target / "run_results.json").read_text())["results"]
    sql = sum(r["execution_time"] for r in results if r["unique_id"].startswith("model."))
    return wall, sql


def read_files(lake: Path) -> int:
    """Files a full scan opens: the compacted months plus the day files whose month has no copy (the
    compaction's own mapping of a day to its month, ``compaction.month_key``)."""
    from tiktok_assets.lake import compaction, layout, reader
    from tiktok_assets.lake.storage import LocalStorage

    storage = LocalStorage(lake)
    copies = set(storage.list(compaction.ROOT, layout.PART_FILE))
    days = [(d, p) for d in compaction.DATASETS for p in reader.list_partitions(storage, d)]
    return len(copies) + sum(compaction.month_key(d, p) not in copies for d, p in days)


def table_staging(lengths: list[int], repeat: int) -> None:
    from tiktok_assets.lake import compaction
    from tiktok_assets.lake.storage import LocalStorage

    rows = {}
    with tempfile.TemporaryDirectory(prefix="dbt-staging-") as tmp:
        for days in lengths:
            dirs = {
                "daily files": Path(tmp) / f"{days}-daily",
                "compacted months": Path(tmp) / f"{days}-compacted",
            }
            write_lake(dirs["daily files"] / "lake", days)
            shutil.copytree(dirs["daily files"] / "lake", dirs["compacted months"] / "lake")
            # every complete month of the lake (the last one may be partial), as the asset would
            compaction.compact(
                LocalStorage(dirs["compacted months"] / "lake"), through=START + timedelta(days=days - 1)
            )
            for data in dirs.values():
                dbt_build(data)  # untimed: dbt's first parse of a new target folder
            timings: dict[str, list[tuple[float, float]]] = {v: [] for v in dirs}
            for _ in range(repeat):  # alternated, so a drift in the machine's load hits both alike
                for variant, data in dirs.items():
                    timings[variant].append(dbt_build(data))
            for variant, data in dirs.items():
                wall = min(t[0] for t in timings[variant])
                sql = min(t[1] for t in timings[variant])
                rows[(days, variant)] = (read_files(data / "lake"), wall, sql)
    base = rows[(lengths[0], "daily files")]
    print(f"\n3. staging: full build of the two day-staging models (best of --repeat, alternated), ratios against "
          f"{lengths[0]} days of daily files")  # fmt: skip
    print(f"{'days':>5} {'lake':<17} {'files read':>10} {'wall s':>7} {'ratio':>6} {'sql s':>6} {'ratio':>6}")
    for (days, variant), (files, wall, sql) in rows.items():
        print(f"{days:>5} {variant:<17} {files:>10} {wall:>7.1f} {wall / base[1]:>6.2f} {sql:>6.2f} "
              f"{sql / base[2]:>6.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90, help="length of the backfill (table 2)")
    parser.add_argument("--per-day", type=int, default=4, help="single-day runs measured (table 2)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per load variant (table 1)")
    parser.add_argument("--staging-days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--only", choices=["load", "backfill", "staging"], nargs="+")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    only = set(args.only or ["load", "backfill", "staging"])
    if "load" in only:
        table_load(args.repeat)
    if "staging" in only:
        table_staging(args.staging_days, args.repeat)
    if "backfill" in only:
        with tempfile.TemporaryDirectory(prefix="dbt-backfill-") as tmp:
            os.environ["TIKTOK_DATA_DIR"] = tmp
            for name in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH", "TIKTOK_LAKE_URL"):
                os.environ.pop(name, None)
            write_lake(Path(tmp) / "lake", args.days)
            table_backfill(args.days, args.per_day)
    print(f"\n(math: {math.ceil(args.days / 30)} runs of 30 days for {args.days} days)")


if __name__ == "__main__":
    main()
