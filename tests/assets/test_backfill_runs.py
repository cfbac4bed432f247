"""A real asset backfill (the daemon's code path, not a hand-made range) of the day assets: 60 days become one
run carrying the partition range and all the day assets (``BackfillPolicy.single_run``: a run's start-up is
paid once; inside it the searches are still split into the API's windows, ``clients.planner``).

Uses Dagster internals (the backfill daemon iteration, a queued run coordinator so runs are created and left
queued): the design notes warn that backfill policies have misbehaved in real backfills (dagster #23996,
#18852, #28861) while unit-style range runs looked fine.
"""

from __future__ import annotations

import logging
import time
import warnings
from datetime import date, timedelta

import dagster as dg
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.backfill import execute_backfill_iteration

from tiktok_assets.definitions import defs as code_location
from tiktok_assets.settings import project_root

QUEUED = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}}


def test_a_60_day_backfill_launches_one_range_run() -> None:
    graph = code_location().resolve_asset_graph()
    day_assets = sorted(
        (k for k in graph.materializable_asset_keys if k.path[0] == "research"
         and (k.path[-1].startswith("videos_") or k.path[-1] in ("comments", "playlists"))),
        key=lambda k: k.to_user_string(),
    )  # fmt: skip
    days = [(date(2026, 4, 14) + timedelta(days=i)).isoformat() for i in range(60)]
    with warnings.catch_warnings(), dg.instance_for_test(overrides=QUEUED) as instance:
        warnings.simplefilter("ignore")
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id="research60", asset_graph=graph, partition_names=days, asset_selection=day_assets,
            backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance, all_partitions=False,
            title=None, description=None, run_config=None,
        )  # fmt: skip
        instance.add_backfill(backfill)
        target = ModuleTarget(
            module_name="tiktok_assets.definitions", attribute="defs",
            working_directory=str(project_root()), location_name="tiktok_assets",
        )  # fmt: skip
        with create_test_daemon_workspace_context(target, instance) as context:
            list(execute_backfill_iteration(context, logging.getLogger("backfill")))
        runs = instance.get_runs()
    ranges = sorted(
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in runs
    )
    assert ranges == [("2026-04-14", "2026-06-12")]
    assert all(sorted(r.asset_selection, key=lambda k: k.to_user_string()) == day_assets for r in runs)
