"""``EnsembleDataResource``: the EnsembleData client as a typed Dagster resource (token from the environment).

Units are money: ``daily_units`` is the budget per UTC day the quota ledger enforces before each call (a call
that would pass it is refused locally with ``BudgetExceededError``, before any unit is spent); unset, the
``ensembledata.daily_units`` of monitoring.yaml applies, and without either only the API's own 495 stops a
run. The token is an ``EnvVar`` reference or nothing, never a config value shown in the UI.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from tiktok_assets import backends
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.ensembledata_endpoints import API, BUCKET
from tiktok_assets.clients.protocols import EnsembleDataApi
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clock import clock_now
from tiktok_assets.config import current_monitoring
from tiktok_assets.defs.run_log import RETRIES


class EnsembleDataResource(dg.ConfigurableResource):
    """EnsembleData. ``.client()`` → an ``EnsembleDataApi`` (one per run step; reuses its connection pool)."""

    token: str | None = Field(default=None, description="default: env ENSEMBLEDATA_TOKEN, else the sandbox's")
    base_url: str | None = Field(
        default=None, description="default: env ENSEMBLEDATA_BASE_URL, else <sandbox>/apis"
    )
    daily_units: int | None = Field(
        default=None,
        description="units per UTC day the ledger lets this project spend; default monitoring.yaml "
        "ensembledata.daily_units, else only the plan's own limit (495)",
    )
    ledger_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default env TIKTOK_QUOTA_DB_URL, else <data>/quota.sqlite"
    )
    http_timeout: float = 120.0
    long_timeout: float = Field(default=600.0, description="for the 'full' searches that page server-side")

    _client: EnsembleDataClient | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides: Any) -> EnsembleDataResource:
        kw: dict[str, Any] = {}
        for field, var in (("token", "ENSEMBLEDATA_TOKEN"), ("base_url", "ENSEMBLEDATA_BASE_URL")):
            if os.environ.get(var):
                kw[field] = dg.EnvVar(var)
        return cls(**{**kw, **overrides})

    def budget_units(self) -> int | None:
        """The daily units budget in effect (this resource's, else monitoring.yaml's)."""
        if self.daily_units is not None:
            return self.daily_units
        return current_monitoring().ensembledata.daily_units

    def now(self) -> datetime:
        """The backend's clock (``tiktok_assets.clock``): the units day, a 495's reset instant, ``collected_at``
        and snapshot days follow it."""
        return clock_now()

    def ledger(self) -> QuotaLedger:
        return backends.ledger_for(self.ledger_url)

    def client(self) -> EnsembleDataApi:
        if self._client is None:
            self._client = backends.ensembledata_client(
                token=self.token,
                base_url=self.base_url,
                ledger_url=self.ledger_url,
                daily_units=self.budget_units(),
                http_timeout=self.http_timeout,
                long_timeout=self.long_timeout,
                clock=lambda: self.now().timestamp(),
            ).log_to(RETRIES)
        return self._client

    def units_left(self) -> dict[str, int]:
        """Units used and left today by the ledger (what this project's clients spent); -1: no budget set."""
        ledger = self.ledger()
        budget = Budget(units=self.budget_units())
        return {
            "units_used_today": ledger.used(API, BUCKET, self.now()).units,
            "units_left_today": ledger.remaining(API, BUCKET, budget, self.now()).units,
        }

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
