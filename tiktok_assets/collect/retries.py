"""Step retries of the collection assets: which failures Dagster retries, and how long it waits.

A request that exhausted the client's retry budget (``clients.backoff``) fails the step with a transient
error; the asset's ``RetryPolicy`` re-runs the step in the same run, which resumes where the failed attempt
stopped (committed partitions are skipped, a search resumes below its oldest stored video, a day of comments
continues from its checkpoint). Failures a retry cannot fix are raised as ``dg.Failure(allow_retries=False)``
from the typed error (``never_retried``), which stays the cause for whoever reads the failure:
- the daily quota (``QuotaExhaustedError``): a retry before the UTC reset only spends requests to fail; the
  quota-retry sensor resumes the run after the reset;
- bad input (``InvalidInputError``), refused credentials (``AuthError``, a half-set credential pair).

The delays follow the named policy (``TIKTOK_RETRY_POLICY``): ``step_retries`` retries, the first after
``step_delay`` seconds, growing exponentially, jittered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg

from tiktok_assets.backends import MissingCredentialsError
from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.errors import AuthError, InvalidInputError, QuotaExhaustedError

NOT_RETRYABLE = (QuotaExhaustedError, InvalidInputError, AuthError, MissingCredentialsError)


def step_retry_policy(policy: RetryPolicy | None = None) -> dg.RetryPolicy:
    """The Dagster ``RetryPolicy`` of the collection assets, from the named client policy."""
    p = policy or RetryPolicy.from_env()
    return dg.RetryPolicy(
        max_retries=p.step_retries,
        delay=p.step_delay,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


@contextmanager
def never_retried(note: Callable[[Exception], None] = lambda _e: None) -> Iterator[None]:
    """Turn the failures a retry cannot fix into ``dg.Failure(allow_retries=False)``, after ``note``."""
    try:
        yield
    except NOT_RETRYABLE as exc:
        note(exc)
        raise dg.Failure(
            description=f"{type(exc).__name__}: {exc}",
            allow_retries=False,
            metadata={"error": type(exc).__name__},
        ) from exc


@contextmanager
def stop_noted(context: dg.AssetExecutionContext, spent: str, resume: str) -> Iterator[None]:
    """``never_retried``, after a quota stop's note in the run's log: what ran out, when it resets (a retry
    before then only spends requests to fail) and how the run resumes."""

    def note(exc: Exception) -> None:
        if isinstance(exc, QuotaExhaustedError):
            context.log.error(f"{spent} exhausted until {exc.resets_at.isoformat()}. {resume}")

    with never_retried(note):
        yield
