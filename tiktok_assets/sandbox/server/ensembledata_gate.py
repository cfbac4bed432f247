"""The EnsembleData gate: what the real gateway checks before the emulator answers (a mixin of SandboxApp).

In order: the documented account-state tokens (492 / 493), the token (491), the daily unit budget (495),
then injected faults (429, an HTML 504, a 500 that still costs a unit). The emulator's answer gets its
``units_charged`` header here, and units and records are counted per UTC day of the sandbox clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from tiktok_assets.sandbox.ensembledata.restricted import token_state
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.server.state import AppState

ED_TOKEN = "sandbox-token"
ED_API = "ensembledata"


class EnsembleDataGate(AppState):
    """``_ed_handle(request, n)`` serves ``/apis/…``; ``ed_units_used(day)`` feeds ``/customer/*``."""

    ed_prices: dict[str, int] | None
    _ed_kwargs: set[str]

    @staticmethod
    def _endpoint_name(api: str, path: str) -> str:
        if api == ED_API:
            return "/" + "/".join(p for p in path[len("/apis") :].split("/") if p)
        return path

    def _ed_handle(self, req: SandboxRequest, n: int) -> SandboxResponse:
        now = self.clock.now()
        sub = self._endpoint_name(ED_API, req.path)
        inner = SandboxRequest(req.method, sub, req.query, req.headers, req.body)
        state = token_state(req.param("token"))  # documented 492 / 493 tokens (ensembledata.restricted)
        if state is not None:
            return SandboxResponse.json(state[0], {"detail": state[1]})
        if req.param("token") != ED_TOKEN:
            return SandboxResponse.json(491, {"detail": "Invalid token"})
        used = self.quotas.used(ED_API, "units", now)["units"]
        if used >= self.limits.ed_daily_units:
            return SandboxResponse.json(495, {"detail": "Daily units limit reached: units depleted"})
        if self.faults.hits("rate_limit", n):
            self.stats.fault("rate_limit")
            return SandboxResponse.json(429, {"detail": "Rate limit exceeded"})
        if self.faults.hits("gateway_timeout_html", n):
            self.stats.fault("gateway_timeout_html")
            return SandboxResponse(
                504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>", "text/html"
            )
        if self.faults.hits("internal_error", n):
            # A 500 that still costs: one unit (open).
            self.stats.fault("internal_error")
            self._charge(sub, now, 1)
            return SandboxResponse.json(500, {"detail": "Internal Server Error"}, {"units_charged": "1"})
        mod = self._ed_module()
        if mod is None:
            return SandboxResponse.json(501, {"detail": "The EnsembleData emulator is not installed"})
        kwargs: dict[str, Any] = {}
        if "usage" in self._ed_kwargs:
            kwargs["usage"] = self.ed_units_used
        if "prices" in self._ed_kwargs and self.ed_prices:
            kwargs["prices"] = self.ed_prices
        result = mod.handle(inner, self.world, now, **kwargs)
        resp: SandboxResponse = result.response
        units = int(result.units or 0)
        resp.headers["units_charged"] = str(units)
        self._charge(sub, now, units)
        if resp.status < 400:
            self.stats.records(f"{ED_API} {sub}", _count_records(resp.body))
        return resp

    def _charge(self, sub: str, now: int, units: int) -> None:
        self.quotas.add(ED_API, "units", now, requests=1, units=units)
        self.stats.units(f"{ED_API} {sub}", units)

    def ed_units_used(self, day: date) -> int:
        """Units charged on a UTC day of the sandbox clock (for /customer/get-used-units)."""
        return int(
            self.quotas.snapshot().get(ED_API, {}).get(day.isoformat(), {}).get("units", {}).get("units", 0)
        )


def _count_records(body: bytes) -> int:
    """Best-effort record count of an EnsembleData payload (the length of the first list found)."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 0
    data = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for v in data.values():
            if isinstance(v, list):
                return len(v)
    return 0
