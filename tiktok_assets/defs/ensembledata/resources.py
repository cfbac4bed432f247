"""``EnsembleDataResource``: the EnsembleData client as a typed Dagster resource (token from the environment)."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from tiktok_assets import backends
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.protocols import EnsembleDataApi


class EnsembleDataResource(dg.ConfigurableResource):
    """EnsembleData. ``.client()`` → an ``EnsembleDataApi``."""

    token: str | None = Field(default=None, description="default: env ENSEMBLEDATA_TOKEN, else the sandbox's")
    base_url: str | None = Field(
        default=None, description="default: env ENSEMBLEDATA_BASE_URL, else <sandbox>/apis"
    )
    daily_units: int | None = Field(default=None, description="units per UTC day (your plan's allowance)")
    ledger_url: str | None = None
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

    def client(self) -> EnsembleDataApi:
        if self._client is None:
            self._client = backends.ensembledata_client(
                token=self.token, base_url=self.base_url, ledger_url=self.ledger_url, daily_units=self.daily_units,
                http_timeout=self.http_timeout, long_timeout=self.long_timeout,
            )  # fmt: skip
        return self._client

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
