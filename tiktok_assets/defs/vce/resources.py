"""``VceResource``: VCE query tasks as a typed Dagster resource (pyrqs inside a VCE, else the sandbox)."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from tiktok_assets import backends
from tiktok_assets.clients.protocols import VceApi


class VceResource(dg.ConfigurableResource):
    """VCE query tasks: pyrqs inside a VCE, else the sandbox's stand-in at ``base_url``."""

    base_url: str | None = Field(
        default=None, description="default: env TIKTOK_VCE_BASE_URL, else <sandbox>/vce"
    )
    poll_interval: float = 5.0
    timeout: float = 3600.0

    def client(self) -> VceApi:
        return backends.vce_client(
            base_url=self.base_url, poll_interval=self.poll_interval, timeout=self.timeout
        )
