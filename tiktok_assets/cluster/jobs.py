"""Launching asset runs whose steps run elsewhere (Celery workers): the executor needs a *reconstructable*
job, one a worker rebuilds from a module path, so runs go through ``dg.execute_job`` with the code location's
implicit asset job (as ``dagster asset materialize`` does), not ``execute_in_process`` (which always runs
every step in the calling process)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import dagster as dg

# The CLI's own route to a job of a code location (dagster-celery builds on the same class).
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository

from tiktok_assets import settings

CODE_LOCATION = ("tiktok_assets.definitions", "defs")


@cache
def asset_job() -> ReconstructableJob:
    from tiktok_assets.definitions import defs

    repository = ReconstructableRepository.for_module(
        *CODE_LOCATION, working_directory=str(settings.project_root())
    )
    return repository.get_reconstructable_job(defs().resolve_implicit_global_asset_job_def().name)


def execute_assets(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey], *, partition_key: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dg.ExecutionResult:  # fmt: skip
    """One run of ``keys`` with the code location's executor (Celery when ``TIKTOK_EXECUTOR=celery``)."""
    run_tags: dict[str, Any] = dict(tags or {})
    if partition_key is not None:
        run_tags["dagster/partition"] = partition_key
    return dg.execute_job(
        asset_job(), instance=instance, asset_selection=list(keys), tags=run_tags, raise_on_error=False
    )
