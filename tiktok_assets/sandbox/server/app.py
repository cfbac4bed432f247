"""The sandbox app: one HTTP request in, the emulator's answer (or a transport fault) out; no sockets here.

Routes
- ``/v2/oauth/token/``, ``/v2/research/…``  → research.ResearchService
- ``/apis/…`` (``/apis//tt/…`` tolerated)   → ensembledata.handle behind ``EnsembleDataGate`` (token, units)
- ``/vce/…``                                → vce.service.VceService behind ``VceGate`` (faults, stats)
- ``/_sandbox/…``                           → ``Control``: clock, faults, limits, stats, truth, health
Every data request gets a number (the order of requests drives the deterministic faults); the transport
faults decided here (reset, truncated body) are carried out by ``httpd``.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time
from typing import Any

from tiktok_assets.sandbox.research import ResearchService
from tiktok_assets.sandbox.server.clock import SandboxClock
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.server.control import Control
from tiktok_assets.sandbox.server.ensembledata_gate import ED_API, EnsembleDataGate
from tiktok_assets.sandbox.server.faults import FaultPlan
from tiktok_assets.sandbox.server.limits import Limits, QuotaBook
from tiktok_assets.sandbox.server.stats import StatsBook
from tiktok_assets.sandbox.vce.gate import VCE_API, VceGate, vce_route
from tiktok_assets.sandbox.world import World


def _optional_module(name: str) -> Any | None:
    """Import a sibling emulator another part of the project provides; None while it does not exist."""
    try:
        return importlib.import_module(f"tiktok_assets.sandbox.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tiktok_assets.sandbox.{name}":
            return None
        raise


class SandboxApp(EnsembleDataGate, VceGate, Control):
    """Everything but the sockets: state plus ``dispatch(request) -> (response, transport_fault)``."""

    def __init__(
        self,
        seed: int = 7,
        size: str = "small",
        now: str | int | None = None,
        faults: dict[str, float] | None = None,
        world: World | None = None,
        **limits: Any,
    ) -> None:
        self.world = world or World(seed, size)  # type: ignore[arg-type]
        self.seed = self.world.seed
        self.clock = SandboxClock(now)
        self.limits = Limits.from_kwargs(**limits)
        self.quotas = QuotaBook()
        self.stats = StatsBook()
        self.faults = FaultPlan(self.seed, faults)
        self.research = ResearchService(
            self.world, self.clock.now, self.limits, self.quotas, self.stats, self.faults
        )
        self._counter = 0
        self._lock = threading.Lock()
        self._ed: Any | None = None
        self._ed_kwargs: set[str] = set()
        self._vce: Any | None = None
        self.ed_prices: dict[str, int] | None = None  # per-endpoint unit prices (None: the emulator's)

    def _next_request_no(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    # ---------------------------------------------------------------- dispatch
    def dispatch(self, req: SandboxRequest) -> tuple[SandboxResponse | None, str | None]:
        """(response, transport fault: None | "connection_reset" | "truncated_body")."""
        path = req.path
        if path.startswith("/_sandbox/"):
            return self.control(req), None
        if path == "/v2/oauth/token/" or path == "/v2/oauth/token":
            resp = self.research.token(req, 0)
            self.stats.request("research /v2/oauth/token/", resp.status)
            return resp, None
        if path.startswith("/v2/research/"):
            api, handler = "research", self.research.handle
        elif path.startswith("/apis/"):
            api, handler = ED_API, self._ed_handle
        elif path.startswith("/vce/") or path == "/vce":
            api, handler = VCE_API, self._vce_handle
        else:
            return SandboxResponse.json(404, {"detail": f"Not found: {path}"}), None

        n = self._next_request_no()
        name = vce_route(req.method, path) if api == VCE_API else self._endpoint_name(api, path)
        endpoint = f"{api} {name}"
        if self.faults.hits("connection_reset", n):
            self.stats.fault("connection_reset")
            self.stats.request(endpoint, "reset")
            return None, "connection_reset"
        latency = self.faults.value("latency_ms")
        if latency:
            time.sleep(latency / 1000.0)
        resp = handler(req, n)
        self.stats.request(endpoint, resp.status)
        if self.faults.hits("truncated_body", n):
            self.stats.fault("truncated_body")
            return resp, "truncated_body"
        return resp, None

    # ---------------------------------------------------------------- emulators
    def _ed_module(self) -> Any | None:
        if self._ed is None:
            mod = _optional_module("ensembledata")
            if mod is None:
                return None
            self._ed_kwargs = set(inspect.signature(mod.handle).parameters)
            self._ed = mod
        return self._ed
