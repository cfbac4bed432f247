"""The demo's closing table from real runs: a partitioned asset adds up its partitions, a run-level spend
(requests, EnsembleData units, VCE records: the run summary's ``run_*`` figures) counts once per run and a
partition's own ``requests_spent`` is not counted again, columns appear only when some asset reported
them, and check results are tallied per asset."""

# No `from __future__ import annotations`: Dagster reads the context annotation at decoration time.

import warnings

import dagster as dg

from tiktok_assets.cli.demo_summary import DemoTally, print_table

DAYS = dg.DailyPartitionsDefinition(start_date="2026-06-01", end_date="2026-06-04", timezone="UTC")
ROWS = {"2026-06-01": 5, "2026-06-02": 7, "2026-06-03": 0}

with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)

    @dg.asset(
        key=["ensembledata", "posts"], partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[dg.AssetCheckSpec("unique_keys", asset=["ensembledata", "posts"])],
    )  # fmt: skip
    def posts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        for key in context.partition_keys:  # each partition's own count, and a share of the run's requests
            context.add_asset_metadata(
                {"dagster/row_count": ROWS[key], "requests_spent": 1}, partition_key=key
            )
        context.log_event(
            dg.AssetObservation(  # the run summary: once per run
                asset_key=context.asset_key, metadata={"run_units_spent": 12, "run_requests_spent": 3}
            )
        )
        return dg.MaterializeResult(
            check_results=[dg.AssetCheckResult(check_name="unique_keys", passed=True)],
        )


@dg.asset(key=["vce", "videos"], check_specs=[dg.AssetCheckSpec("non_null_ids", asset=["vce", "videos"])])
def videos(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log_event(
        dg.AssetObservation(asset_key=context.asset_key, metadata={"run_records_received": 500})
    )
    return dg.MaterializeResult(
        metadata={"dagster/row_count": 500},
        check_results=[dg.AssetCheckResult(check_name="non_null_ids", passed=False)],
    )


@dg.asset(key=["analysis", "never_run"])
def never_run() -> None: ...


def test_the_table_adds_partitions_counts_spend_once_per_run_and_tallies_checks() -> None:
    defs = dg.Definitions(assets=[posts, videos, never_run])
    tally = DemoTally(defs.resolve_asset_graph())
    with dg.instance_for_test() as instance:
        job = defs.resolve_implicit_global_asset_job_def()
        tags = {
            "dagster/asset_partition_range_start": "2026-06-01",
            "dagster/asset_partition_range_end": "2026-06-03",
        }
        for _ in range(2):  # the same range twice: rows are the partitions' latest, spend adds up per run
            tally.add(job.execute_in_process(instance=instance, asset_selection=[posts.key], tags=tags))
        tally.add(
            job.execute_in_process(instance=instance, asset_selection=[videos.key], raise_on_error=False)
        )
    summary = tally.summary()
    assert summary["rows"] == {"ensembledata/posts": 12, "vce/videos": 500}
    assert summary["spend"] == {
        "requests_spent": {"ensembledata/posts": 6},
        "units_spent": {"ensembledata/posts": 24},
        "records_received": {"vce/videos": 500},
    }
    assert summary["checks"] == {
        "analysis/never_run": (0, 0),
        "ensembledata/posts": (2, 2),
        "vce/videos": (0, 1),
    }
    assert summary["checks_failed"] == ["vce/videos:non_null_ids"]
    assert summary["not_run"] == ["analysis/never_run"]

    lines: list[str] = []
    print_table(summary, lines.append)
    assert lines[0].split() == ["asset", "rows", "requests", "units", "records", "checks"]
    table = {line.split()[0]: line.split()[1:] for line in lines[2:-2]}
    assert table == {
        "analysis/never_run": ["not", "run"],
        "ensembledata/posts": ["12", "6", "24", "-", "2/2"],
        "vce/videos": ["500", "-", "-", "500", "0/1"],
    }
    assert lines[-1].split()[-5:] == [
        "12",
        "6",
        "24",
        "500",
        "2/3",
    ]  # lake rows (partitioned), totals, checks
