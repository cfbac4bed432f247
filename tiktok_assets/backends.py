"""Which backend each client talks to — the real APIs or the sandbox — decided from the environment.

Secrets are read here, from ``TIKTOK_CLIENT_KEY``/``TIKTOK_CLIENT_SECRET`` and ``ENSEMBLEDATA_TOKEN``, when a
client is built, and go straight into the client (which keeps them in ``Secret``s). Real credentials go to the
real APIs unless a base URL is set explicitly: a secret is never sent to the sandbox's address just because no
base URL was configured; half a credential pair is refused at once. With nothing set, every client points at
the sandbox (``TIKTOK_SANDBOX_URL``, default ``http://127.0.0.1:9400``) with the sandbox's credentials.

Plain Python (no Dagster): the Dagster resources and the ``fetch`` command both build their clients here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from tiktok_assets.clients import quota as quota_mod
from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.vce import PollPolicy, VceClient, make_rqs
from tiktok_assets.clock import CLOCK_ENV, clock_now

SANDBOX_URL_ENV = "TIKTOK_SANDBOX_URL"
# What would send a sandbox-only command's calls elsewhere (the demo and its UI set them aside): a real token
# goes to the real API whatever the sandbox says, and a base URL overrides it.
REAL_TARGETS = (
    "ENSEMBLEDATA_TOKEN",
    "ENSEMBLEDATA_BASE_URL",
    "TIKTOK_RESEARCH_BASE_URL",
    "TIKTOK_VCE_BASE_URL",
)
SANDBOX_URL_DEFAULT = "http://127.0.0.1:9400"
SANDBOX_KEY, SANDBOX_SECRET, SANDBOX_TOKEN = "sandbox-key", "sandbox-secret", "sandbox-token"
RESEARCH_URL = "https://open.tiktokapis.com"
ENSEMBLEDATA_URL = "https://ensembledata.com/apis"


class MissingCredentialsError(ValueError):
    """Half a credential pair is set: refuse at once rather than mixing real and sandbox values."""


def sandbox_url() -> str:
    return (os.environ.get(SANDBOX_URL_ENV) or SANDBOX_URL_DEFAULT).rstrip("/")


def research_target(key: str | None, secret: str | None, base_url: str | None) -> tuple[str, str, str]:
    """(client key, client secret, base URL) for the Research API."""
    key = key or os.environ.get("TIKTOK_CLIENT_KEY")
    secret = secret or os.environ.get("TIKTOK_CLIENT_SECRET")
    explicit_url = base_url or os.environ.get("TIKTOK_RESEARCH_BASE_URL")
    if key and secret:
        return key, secret, explicit_url or RESEARCH_URL
    if key or secret:
        missing = "TIKTOK_CLIENT_SECRET" if key else "TIKTOK_CLIENT_KEY"
        raise MissingCredentialsError(
            f"Research API credentials are incomplete: {missing} is not set "
            "(set both TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET, or neither to use the sandbox)"
        )
    return SANDBOX_KEY, SANDBOX_SECRET, explicit_url or sandbox_url()


def ensembledata_target(token: str | None, base_url: str | None) -> tuple[str, str]:
    """(token, base URL) for EnsembleData: a real token goes to the real API unless a base URL is given."""
    token = token or os.environ.get("ENSEMBLEDATA_TOKEN")
    explicit_url = base_url or os.environ.get("ENSEMBLEDATA_BASE_URL")
    if token:
        return token, explicit_url or ENSEMBLEDATA_URL
    return SANDBOX_TOKEN, explicit_url or sandbox_url() + "/apis"


def vce_url(base_url: str | None) -> str:
    """The VCE query-task service: pyrqs inside a VCE, else the sandbox's stand-in."""
    return base_url or os.environ.get("TIKTOK_VCE_BASE_URL") or sandbox_url() + "/vce"


_ledgers: dict[str, QuotaLedger] = {}


def ledger_for(url: str | None) -> QuotaLedger:
    """One ledger (one engine) per URL per process; default env ``TIKTOK_QUOTA_DB_URL``, else the data folder."""
    key = url or quota_mod.default_url()
    if key not in _ledgers:
        _ledgers[key] = QuotaLedger(key)
    return _ledgers[key]


def research_client(
    *, client_key: str | None = None, client_secret: str | None = None, base_url: str | None = None,
    ledger_url: str | None = None, budgets: Mapping[str, Budget] | None = None, http_timeout: float = 120.0,
    clock: Callable[[], float] | None = None, retry_policy: str | None = None,
) -> ResearchClient:  # fmt: skip
    """A Research API client for these settings (each ``None`` falls back to the environment; the retry
    policy to ``TIKTOK_RETRY_POLICY``)."""
    key, secret, url = research_target(client_key, client_secret, base_url)
    if clock is None and os.environ.get(CLOCK_ENV):
        clock = lambda: clock_now().timestamp()  # noqa: E731
    # No clock given: the client follows the server's (its Date header), whatever the wall clock says.
    return ResearchClient(
        key, secret, url, ledger=ledger_for(ledger_url), budget=budgets, http_timeout=http_timeout,
        clock=clock, policy=RetryPolicy.from_spec(retry_policy) if retry_policy else None,
    )  # fmt: skip


def ensembledata_client(
    *, token: str | None = None, base_url: str | None = None, ledger_url: str | None = None,
    daily_units: int | None = None, http_timeout: float = 120.0, long_timeout: float = 600.0,
    clock: Callable[[], float] | None = None,
) -> EnsembleDataClient:  # fmt: skip
    token, url = ensembledata_target(token, base_url)
    # The backend's clock: the ledger's units day and a 495's reset instant follow it, as for Research.
    return EnsembleDataClient(
        token, url, ledger=ledger_for(ledger_url), daily_units=daily_units, http_timeout=http_timeout,
        long_timeout=long_timeout, clock=clock or (lambda: clock_now().timestamp()),
    )  # fmt: skip


def vce_client(
    *, base_url: str | None = None, poll_interval: float | None = None, timeout: float | None = None,
    stage: str | None = None, poll: PollPolicy | None = None, retry: RetryPolicy | None = None,
) -> VceClient:  # fmt: skip
    """A VCE client whose tasks run in ``stage`` (test / execution; None: the service's default)."""
    rqs = make_rqs(vce_url(base_url), stage=stage)
    return VceClient(rqs, poll=poll, poll_interval=poll_interval, timeout=timeout, retry=retry, stage=stage)
