"""The sandbox's real HTTP/1.1 server (loopback): routing, transport faults, EnsembleData gate, control.

Routes
- ``/v2/oauth/token/``, ``/v2/research/…``  → research.ResearchService
- ``/apis/…`` (``/apis//tt/…`` tolerated)   → ensembledata.handle (token, daily units, ``units_charged``)
- ``/vce/…``                                → vce.VceService
- ``/_sandbox/…``                           → clock, faults, limits, stats, truth, health
The stdlib server gives full socket control, which the faults need (an abrupt reset, a short body).
"""

from __future__ import annotations

import importlib
import inspect
import socket
import struct
import sys
import threading
import time
import traceback
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from tiktok_assets.sandbox._clock import SandboxClock
from tiktok_assets.sandbox._faults import FaultPlan
from tiktok_assets.sandbox._limits import Limits, QuotaBook
from tiktok_assets.sandbox._stats import StatsBook
from tiktok_assets.sandbox.ed_restricted import token_state
from tiktok_assets.sandbox.http import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.research import ResearchService
from tiktok_assets.sandbox.research import truth as research_truth
from tiktok_assets.sandbox.research_endpoints import ApiError
from tiktok_assets.sandbox.world import World

ED_TOKEN = "sandbox-token"
ED_API = "ensembledata"


def _optional_module(name: str) -> Any | None:
    """Import a sibling emulator another part of the project provides; None while it does not exist."""
    try:
        return importlib.import_module(f"tiktok_assets.sandbox.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tiktok_assets.sandbox.{name}":
            return None
        raise


class SandboxApp:
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
            return self._vce_handle(req), None
        else:
            return SandboxResponse.json(404, {"detail": f"Not found: {path}"}), None

        n = self._next_request_no()
        endpoint = f"{api} {self._endpoint_name(api, path)}"
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

    @staticmethod
    def _endpoint_name(api: str, path: str) -> str:
        if api == ED_API:
            return "/" + "/".join(p for p in path[len("/apis") :].split("/") if p)
        return path

    # ---------------------------------------------------------------- EnsembleData gate
    def _ed_module(self) -> Any | None:
        if self._ed is None:
            mod = _optional_module("ensembledata")
            if mod is None:
                return None
            self._ed_kwargs = set(inspect.signature(mod.handle).parameters)
            self._ed = mod
        return self._ed

    def _ed_handle(self, req: SandboxRequest, n: int) -> SandboxResponse:
        now = self.clock.now()
        sub = self._endpoint_name(ED_API, req.path)
        inner = SandboxRequest(req.method, sub, req.query, req.headers, req.body)
        state = token_state(req.param("token"))  # documented 492 / 493 tokens (ed_restricted)
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

    # ---------------------------------------------------------------- VCE
    def _vce_handle(self, req: SandboxRequest) -> SandboxResponse:
        if self._vce is None:
            mod = _optional_module("vce")
            if mod is None:
                return SandboxResponse.json(501, {"detail": "The VCE emulator is not installed"})
            self._vce = mod.VceService(self.world, self.clock.now)
        resp: SandboxResponse = self._vce.handle(req)
        self.stats.request(f"vce {req.path}", resp.status)
        return resp

    # ---------------------------------------------------------------- control
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body go out promptly (no 40 ms delayed-ACK stalls)
    server_version = "tiktok-sandbox/1.0"
    app: SandboxApp  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests and benchmarks read stats instead

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        req = SandboxRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        try:
            resp, fault = self.app.dispatch(req)
        except Exception:  # noqa: BLE001 - a sandbox bug must answer, not hang the client
            traceback.print_exc(file=sys.stderr)
            resp, fault = SandboxResponse.json(500, {"detail": "sandbox internal error (bug)"}), None
        if fault == "connection_reset" or resp is None:
            self._reset()
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if fault == "truncated_body":
            # A clean close (FIN) mid-body: the client sees fewer bytes than Content-Length promised.
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def _reset(self) -> None:
        """Close abruptly (RST, not FIN) so the client sees a reset connection."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815 - stdlib naming


class SandboxServer:
    """A running sandbox: ``start()`` serves in a background thread, ``stop()`` shuts it down."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        handler = type("Handler", (_Handler,), {"app": app})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        # A short poll interval makes stop() quick (tests start and stop a server each).
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def make_server(
    seed: int = 7,
    size: str = "small",
    now: str | int | None = None,
    faults: dict[str, float] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    **limits: Any,
) -> SandboxServer:
    return SandboxServer(SandboxApp(seed, size, now, faults, **limits), host, port)
