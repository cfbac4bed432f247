"""``VceResource``: VCE query tasks as a typed Dagster resource (pyrqs inside a VCE, else the sandbox).

Holds the policies of a task's life, all configurable: status polls back off from ``poll_initial_seconds``
by ``poll_factor`` up to ``poll_max_seconds``; a task still running after ``task_timeout_seconds`` is
cancelled; each RQS call is retried ``retry_attempts`` times on a transient failure, waiting from
``retry_base_seconds``. Unset, the poll waits follow the backend: inside a VCE (pyrqs) 5 s growing to a minute,
so minutes-long tasks are not hammered; against the sandbox 0.2 s growing to 2 s, since its tasks move on at
each poll (a fixed clock would otherwise make the demo wait for nothing).
"""

from __future__ import annotations

from datetime import datetime

import dagster as dg
from pydantic import Field

from tiktok_assets import backends
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce import PollPolicy, VceClient, has_pyrqs
from tiktok_assets.clients.vce_batch import StageBudget
from tiktok_assets.clock import clock_now


class VceResource(dg.ConfigurableResource):
    """VCE query tasks: pyrqs inside a VCE, else the sandbox's stand-in at ``base_url``."""

    base_url: str | None = Field(
        default=None, description="default: env TIKTOK_VCE_BASE_URL, else <sandbox>/vce"
    )
    poll_initial_seconds: float | None = Field(
        default=None,
        description="wait before the second status poll (default: 5 in a VCE, 0.2 on the sandbox)",
    )
    poll_factor: float = Field(default=1.5, description="each further wait is this many times longer")
    poll_max_seconds: float | None = Field(
        default=None, description="longest wait between two polls (default: 60 in a VCE, 2 on the sandbox)"
    )
    task_timeout_seconds: float = Field(default=6 * 3600.0, description="cancel a task running this long")
    retry_attempts: int = Field(default=6, description="tries per RQS call on a transient failure")
    retry_base_seconds: float = Field(default=2.0, description="first retry wait (doubling, jittered)")
    max_tasks_in_flight: int = Field(default=16, description="tasks one step keeps running side by side")
    ledger_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default env TIKTOK_QUOTA_DB_URL, else <data>/quota.sqlite"
    )

    def poll(self) -> PollPolicy:
        vce = has_pyrqs()
        initial = self.poll_initial_seconds if self.poll_initial_seconds is not None else 5.0 if vce else 0.2
        longest = self.poll_max_seconds if self.poll_max_seconds is not None else 60.0 if vce else 2.0
        return PollPolicy(initial, self.poll_factor, max(initial, longest), self.task_timeout_seconds)

    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_attempts,
            base_delay=self.retry_base_seconds,
            max_delay=max(self.retry_base_seconds, 60.0),
        )

    def client(self, stage: str | None = None) -> VceClient:
        """A client whose tasks run in ``stage`` (the stand-in is told; inside a VCE it is the notebook's)."""
        return backends.vce_client(base_url=self.base_url, stage=stage, poll=self.poll(), retry=self.retry())

    def budget(self, stage: str) -> StageBudget:
        """What ``stage`` lets a step ask for: the ledger's records today, counted on the backend's clock."""
        return StageBudget(stage, backends.ledger_for(self.ledger_url), self.now)

    def now(self) -> datetime:
        return clock_now()
