"""The VCE gate: what stands between the server and the query-task service (a mixin of SandboxApp).

Like the other APIs, ``/vce/…`` requests are numbered by the app and take part in fault injection: a
reset connection, added latency and a truncated body are carried out by the server; here, before the
service acts, a 429, an HTML 504 or a 500 (so a refused create makes no task and a refused poll moves
none). Each request is counted in ``/_sandbox/stats`` under its route (``vce POST /tasks``,
``vce GET /tasks/{id}``, …, never one key per task id), result records under ``vce GET /tasks/{id}/result``,
and the tasks themselves (how many, by status; records spent per stage and day) under ``vce_tasks``.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.server.state import AppState
from tiktok_assets.sandbox.vce.service import VceService
from tiktok_assets.sandbox.vce.truth import truth

VCE_API = "vce"
_TASK_ID = re.compile(r"/tasks/\d+")


def vce_route(method: str, path: str) -> str:
    """``POST /vce/tasks/1000003/cancel`` → ``POST /tasks/{id}/cancel`` (stats keys stay bounded)."""
    sub = re.sub(r"/{2,}", "/", path).removeprefix("/vce").rstrip("/") or "/"
    return f"{method.upper()} {_TASK_ID.sub('/tasks/{id}', sub)}"


class VceGate(AppState):
    """``_vce_handle(request, n)`` serves ``/vce/…``; ``vce_tasks()`` and ``vce_truth()`` feed the control."""

    _vce: VceService | None

    def _vce_service(self) -> VceService:
        if self._vce is None:
            self._vce = VceService(self.world, self.clock.now)
        return self._vce

    def _vce_handle(self, req: SandboxRequest, n: int) -> SandboxResponse:
        if self.faults.hits("rate_limit", n):
            self.stats.fault("rate_limit")
            return _error(429, "rate_limited", "Too many requests; slow down")
        if self.faults.hits("gateway_timeout_html", n):
            self.stats.fault("gateway_timeout_html")
            return SandboxResponse(
                504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>", "text/html"
            )
        if self.faults.hits("internal_error", n):
            self.stats.fault("internal_error")
            return _error(500, "internal_error", "Something went wrong. Please try again later.")
        resp = self._vce_service().handle(req)
        if resp.status == 200 and req.path.rstrip("/").endswith("/result"):
            self.stats.records(f"{VCE_API} {vce_route(req.method, req.path)}", _records_in(resp.body))
        return resp

    def vce_tasks(self) -> dict[str, Any]:
        """Tasks by status and records spent per stage and day (read-only: no task moves)."""
        return self._vce.describe() if self._vce is not None else VceService.describe_empty()

    def vce_truth(self, category: str, params: dict[str, Any]) -> list[str]:
        """The keys an execution-stage task of ``params`` returns at the sandbox clock (see ``truth``)."""
        return truth(self.world, self.clock.now(), category, params)


def _error(status: int, code: str, message: str) -> SandboxResponse:
    return SandboxResponse.json(status, {"error": {"code": code, "message": message}})


def _records_in(body: bytes) -> int:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 0
    result = payload.get("result") if isinstance(payload, dict) else None
    return len(result) if isinstance(result, list) else 0
