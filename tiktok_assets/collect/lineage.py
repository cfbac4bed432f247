"""Resume lineage: which run a partition file belongs to, so a retry of the same run skips what is stored.

Every file a run commits carries ``run_id`` and ``root_run_id`` in its Parquet footer. A re-execution from the
UI shares the failed run's ``root_run_id``; a resume requested by the quota-retry sensor names the root in the
``tiktok/resume_root_run_id`` tag (a RunRequest cannot be a re-execution).
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from tiktok_assets.lake import reader
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.storage import LakeStorage

RESUME_TAG = "tiktok/resume_root_run_id"


def run_lineage(context: dg.AssetExecutionContext) -> dict[str, str]:
    """Footer metadata of every file this run writes; ``root_run_id`` lets a re-execution resume."""
    run = context.run
    root = run.tags.get(RESUME_TAG) or run.root_run_id or run.run_id
    return {"run_id": run.run_id, "root_run_id": root}


def stored_by_this_run(
    storage: LakeStorage, dataset: Dataset, partition: Mapping[str, str], root: str
) -> bool:
    """True when an earlier attempt of this run (same root run) already committed the partition."""
    footer = reader.partition_footer(storage, dataset, partition)
    return bool(footer) and footer.get("root_run_id") == root
