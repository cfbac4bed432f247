"""What every EnsembleData asset shares: group, pool, kinds, checks and schema metadata; the note a units stop
leaves in the run's log; and the spend figures a materialization reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg

from tiktok_assets.clients.errors import ApiError, UserUnavailableError
from tiktok_assets.collect.metadata import failed_run_recorded
from tiktok_assets.collect.retries import stop_noted
from tiktok_assets.collect.spend import Spend
from tiktok_assets.defs.research import common as research_common
from tiktok_assets.endpoints.spec import Endpoint

GROUP = "ensembledata"
# One EnsembleData step at a time by default (dagster.yaml `default_limit: 1`): units are one daily budget.
POOL = "ensembledata_api"
QUOTA_RETRY_SENSOR = "ensembledata_quota_retry_sensor"


def asset_key(endpoint: Endpoint) -> dg.AssetKey:
    return dg.AssetKey([GROUP, endpoint.asset_name])


def asset_defaults(
    endpoint: Endpoint, partitions_def: dg.PartitionsDefinition, description: str | None = None
) -> dict[str, Any]:
    """``@dg.asset`` arguments every asset of the group shares: the checks, schema and step ``RetryPolicy`` (as
    every source's; ``units_note`` keeps what a retry cannot fix from being retried), this group's pool, and
    the declaration's description."""
    shared = research_common.asset_defaults(asset_key(endpoint), endpoint, partitions_def)
    return {**shared, "group_name": GROUP, "pool": POOL, "description": description or endpoint.description}


def partition_units(spend: Spend) -> dict[str, int]:
    """What a partition whose calls were its own spent in units (``collect.metadata.finish`` adds its
    requests); the run's figures go to the run summary."""
    return {"units_spent": spend.units}


@contextmanager
def units_note(context: dg.AssetExecutionContext) -> Iterator[None]:
    """Failures a step retry cannot fix (units, bad input, a refused token) fail the step at once, never
    retried (``collect.retries``); a units stop after a note on how the run resumes. Transient failures keep
    the step's ``RetryPolicy``."""
    with stop_noted(context, "EnsembleData units", f"The {QUOTA_RETRY_SENSOR} resumes this run after that (or "
                    "re-execute it from failure): every page already fetched is journaled and is not fetched "
                    "again; committed partitions are skipped."):  # fmt: skip
        yield


@contextmanager
def collecting(
    context: dg.AssetExecutionContext, spend: Spend, units_left: Callable[[], Mapping[str, int]]
) -> Iterator[None]:
    """Around an asset's API work: ``units_note``, and a failed run still leaves its run summary (what it spent
    before the error, units included) so the books stay whole."""
    with units_note(context), failed_run_recorded(context, spend, units_left):
        yield


def status_of(unavailable: Mapping[str, str], who: str) -> str:
    return unavailable.get(who, "ok")


def unavailable_reason(exc: ApiError) -> str:
    """Why a subject has no record: the account's state, "not_found" for a 404 (a deleted sound or post),
    "restricted" for a 520 (a private author's post); any other error is not a fact about the subject and fails
    the run as itself (units, token, bad input)."""
    if isinstance(exc, UserUnavailableError):
        return exc.reason
    if exc.status in (404, 520):
        return "not_found" if exc.status == 404 else "restricted"
    raise exc
