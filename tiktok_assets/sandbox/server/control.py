"""The control surface ``/_sandbox/…``: health, clock, faults, limits, stats, truth (a mixin of SandboxApp).

Tests and benchmarks steer the sandbox and read its ground truth here, over HTTP like any client;
``truth/<api>/<path>`` asks an emulator which keys a perfect client paging that request would collect.
"""

from __future__ import annotations

from typing import Any

import orjson

from tiktok_assets.sandbox.research import ApiError
from tiktok_assets.sandbox.research import truth as research_truth
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.server.ensembledata_gate import ED_API
from tiktok_assets.sandbox.server.limits import Limits
from tiktok_assets.sandbox.server.state import AppState


class Control(AppState):
    """``control(request)`` answers every ``/_sandbox/…`` path from the app's state."""

    def control(self, req: SandboxRequest) -> SandboxResponse:
        path = req.path[len("/_sandbox/") :].strip("/")
        try:
            body = req.json() if req.body else {}
        except orjson.JSONDecodeError:
            return SandboxResponse.json(400, {"error": "body is not JSON"})
        try:
            if path == "health":
                return SandboxResponse.json(200, {"ok": True, "seed": self.seed, "size": self.world.size})
            if path == "clock":
                if req.method == "POST":
                    if body.get("now") is not None:
                        self.clock.set(body["now"])
                    if body.get("advance_seconds") is not None:
                        self.clock.advance(float(body["advance_seconds"]))
                return SandboxResponse.json(200, self.clock.describe())
            if path == "faults":
                if req.method == "POST":
                    self.faults.set(body)
                return SandboxResponse.json(200, self.faults.snapshot())
            if path == "limits":
                if req.method == "POST":
                    new = Limits.from_kwargs(**{**self.limits.as_dict(), **body})
                    for k, v in new.as_dict().items():
                        setattr(self.limits, k, v)
                return SandboxResponse.json(200, self.limits.as_dict())
            if path == "stats":
                snap = self.stats.snapshot()
                snap["quota"] = self.quotas.snapshot()
                snap["vce_tasks"] = self.vce_tasks()
                snap["clock"] = self.clock.describe()
                return SandboxResponse.json(200, snap)
            if path.startswith("truth/"):
                return self._truth(path[len("truth/") :], body)
        except (ValueError, TypeError) as exc:
            return SandboxResponse.json(400, {"error": str(exc)})
        return SandboxResponse.json(404, {"error": f"unknown control path /_sandbox/{path}"})

    def _truth(self, rest: str, params: dict[str, Any]) -> SandboxResponse:
        api, _, path = rest.partition("/")
        now = self.clock.now()
        try:
            if api == "research":
                keys = research_truth(path, params, self.world, now, self.limits)
            elif api == ED_API:
                mod = self._ed_module()
                if mod is None:
                    return SandboxResponse.json(501, {"error": "The EnsembleData emulator is not installed"})
                ed_path = "/" + "/".join(p for p in path.split("/") if p)
                keys = mod.truth(ed_path, params, self.world, now)
            elif api == "vce":
                keys = self.vce_truth(path, params)
            else:
                return SandboxResponse.json(404, {"error": f"unknown api {api!r}"})
        except KeyError as exc:
            return SandboxResponse.json(404, {"error": f"unknown path {path!r}: {exc}"})
        except ApiError as exc:
            return SandboxResponse.json(400, {"error": exc.message, "code": exc.code})
        except Exception as exc:  # noqa: BLE001 - the other emulator's own error types
            detail = getattr(exc, "detail", None) or str(exc)
            return SandboxResponse.json(400, {"error": detail})
        return SandboxResponse.json(200, {"keys": list(keys), "count": len(keys)})
