"""``maintenance/lake_compaction``: monthly copies of every day-partitioned dataset (``lake.compaction``), so dbt's
scans of a long lake open a file per month instead of one per day.

It runs on the 3rd of each month (``AutomationCondition.on_cron``, the automation sensor is shipped running),
once the month before is complete even for the Research API's 48-hour archive lag, and can be materialized
after a long backfill. It calls no API. Correctness never waits for it: a month without a copy is read day by
day, and a day committed into a compacted month deletes that month's copy.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at decoration time.

import dagster as dg

from tiktok_assets.clock import clock_now, last_complete_day
from tiktok_assets.collect import catalog
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.lake import compaction

KEY = dg.AssetKey(["maintenance", "lake_compaction"])  # not "lake/…": dbt source stubs are named so
SCHEDULE = "0 4 3 * *"  # 04:00 UTC on the 3rd: the month before is complete for every source by then


@dg.asset(
    key=KEY,
    group_name="maintenance",
    kinds={"python", "parquet"},
    owners=catalog.OWNERS["collection"],
    tags=catalog.tags(layer="lake"),
    code_version=catalog.code_version(compaction.ROOT, compaction.DAY, compaction.MONTH, "1"),
    automation_condition=dg.AutomationCondition.on_cron(SCHEDULE),
    description=(
        "Monthly copies of the day-partitioned lake datasets (`<lake>/_compacted/`), read by dbt's staging "
        "instead of each complete month's daily files. The daily files stay the truth; a re-committed day "
        "deletes its month's copy."
    ),
)
def lake_compaction(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    through = last_complete_day(clock_now())
    results = compaction.compact(lake.storage, through)
    for r in results:
        if r.months or r.skipped:
            context.log.info(
                f"{r.dataset}: {r.months} month(s) from {r.days} daily file(s), {r.rows:,} rows"
                + (f"; {r.skipped} left for next time (a day was committed meanwhile)" if r.skipped else "")
            )
    copies, rows = compaction.held(lake.storage)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,  # what the copies hold now (this run's and earlier ones')
            "months_held": copies,
            "through": through.isoformat(),
            "run_months_written": sum(r.months for r in results),
            "run_daily_files_covered": sum(r.days for r in results),
            "run_rows": sum(r.rows for r in results),
            "run_months_skipped": sum(r.skipped for r in results),
            "dagster/uri": dg.MetadataValue.path(lake.storage.uri(compaction.ROOT)),
        }
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[lake_compaction])
