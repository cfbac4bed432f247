"""EnsembleData user posts over 30 days of the shipped monitoring.yaml against the sandbox: what each way of
running them spends, with the lake checked against truth.

- baseline: one run per day (30 daily runs, what a daily schedule does): each account is asked once a day;
- range: one 30-day run (the asset's BackfillPolicy): each account is walked once over the whole window, with
  `depth` sized from the window;
- range + stop: the same run stopped by the daily units budget halfway and resumed (the page journal): the
  resume must not spend a unit the uninterrupted run does not.
Units and requests are the sandbox's own counters; time is wall time on this machine; peak memory is the
process's RSS high-water mark after each setup (cumulative, so read its growth). Ratios are against the baseline.
Run: .venv/bin/python benchmarks/ed_user_posts.py
"""

from __future__ import annotations

import resource
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from tiktok_assets.clients.pages import id_create_time
from tiktok_assets.collect.lineage import RESUME_TAG
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.ensembledata.assets import build_assets
from tiktok_assets.defs.ensembledata.days import user_posts_chain
from tiktok_assets.defs.ensembledata.resources import EnsembleDataResource
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

NOW = "2026-06-15T12:00:00Z"
FIRST, LAST = date(2026, 5, 14), date(2026, 6, 12)
RANGE = {
    "dagster/asset_partition_range_start": FIRST.isoformat(),
    "dagster/asset_partition_range_end": LAST.isoformat(),
}


def _truth(sandbox, monitoring) -> set[int]:
    from datetime import UTC, datetime

    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    out = set()
    for username in monitoring.accounts:
        chain = user_posts_chain(username, monitoring.ensembledata, FIRST, LAST, now)
        for key in sandbox.truth("ensembledata", chain.path, dict(chain.params)):
            if FIRST <= datetime.fromtimestamp(id_create_time(int(key)), UTC).date() <= LAST:
                out.add(int(key))
    return out


def _run(setup: str, monitoring, assets) -> dict:
    key = next(a.key for a in assets if a.key.path[-1] == "user_posts")
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        lake = LakeResource(lake_dir=str(Path(tmp) / "lake"))

        def resources(units: int | None) -> dict:
            api = EnsembleDataResource(base_url=sandbox.ensembledata_url, token=sandbox.ed_token,
                                       ledger_url=f"sqlite:///{tmp}/q-{units}.sqlite", daily_units=units)  # fmt: skip
            return {"ensembledata": api, "lake": lake}

        started = time.perf_counter()
        if setup == "baseline: 30 daily runs":
            for i in range(30):
                day = (FIRST + timedelta(days=i)).isoformat()
                assert dg.materialize(
                    assets, selection=[key], partition_key=day, resources=resources(None)
                ).success
        elif setup == "range: one 30-day run":
            assert dg.materialize(assets, selection=[key], tags=RANGE, resources=resources(None)).success
        else:
            instance = dg.DagsterInstance.ephemeral()
            first = dg.materialize(assets, selection=[key], tags=RANGE, resources=resources(6), instance=instance,
                                   raise_on_error=False)  # fmt: skip
            assert not first.success
            assert dg.materialize(assets, selection=[key], tags={**RANGE, RESUME_TAG: first.run_id},
                                  resources=resources(None), instance=instance).success  # fmt: skip
        seconds = time.perf_counter() - started
        stats = sandbox.stats()
        got = {i for p in lake.partitions(ds.USER_POSTS) for i in lake.read(ds.USER_POSTS, p, ["aweme_id"])["aweme_id"].to_pylist()}  # fmt: skip
        return {
            "setup": setup,
            "units": stats["units_total"],
            "requests": sum(v.get("200", 0) for k, v in stats["requests"].items() if "/tt/user/posts" in k),
            "rows": len(got),
            "equal_truth": got == _truth(sandbox, monitoring),
            "seconds": seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    monitoring = load_monitoring()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assets = build_assets(monitoring)
    rows = [_run(s, monitoring, assets) for s in ("baseline: 30 daily runs", "range: one 30-day run",
                                                  "range, stopped by units and resumed")]  # fmt: skip
    base = rows[0]
    print(
        f"EnsembleData user posts, {len(monitoring.accounts)} accounts, {FIRST}..{LAST} (sandbox, small world)"
    )
    print(f"{'setup':<38}{'units':>7}{'x base':>8}{'requests':>10}{'x base':>8}{'rows':>6}{'= truth':>9}"
          f"{'seconds':>9}{'x base':>8}{'peak MB':>9}")  # fmt: skip
    for r in rows:
        print(f"{r['setup']:<38}{r['units']:>7}{r['units'] / base['units']:>8.2f}{r['requests']:>10}"
              f"{r['requests'] / base['requests']:>8.2f}{r['rows']:>6}{str(r['equal_truth']):>9}"
              f"{r['seconds']:>9.1f}{r['seconds'] / base['seconds']:>8.2f}{r['peak_rss_mb']:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
