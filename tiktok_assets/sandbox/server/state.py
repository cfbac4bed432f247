"""What a SandboxApp holds, declared once for the mixins that read it (``SandboxApp.__init__`` sets it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tiktok_assets.sandbox.server.clock import SandboxClock
from tiktok_assets.sandbox.server.faults import FaultPlan
from tiktok_assets.sandbox.server.limits import Limits, QuotaBook
from tiktok_assets.sandbox.server.stats import StatsBook
from tiktok_assets.sandbox.world import World


class AppState:
    seed: int
    world: World
    clock: SandboxClock
    limits: Limits
    quotas: QuotaBook
    stats: StatsBook
    faults: FaultPlan

    if TYPE_CHECKING:  # provided by SandboxApp

        def _ed_module(self) -> Any | None: ...

        def vce_tasks(self) -> dict[str, Any]: ...

        def vce_truth(self, category: str, params: dict[str, Any]) -> list[str]: ...
