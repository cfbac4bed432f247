"""The sockets: a stdlib ThreadingHTTPServer on loopback that hands each request to a ``SandboxApp``.

The stdlib server gives full socket control, which the transport faults need: an abrupt reset (RST, not
FIN) and a body cut short of its Content-Length. ``make_server`` is the way in (``testing``, ``cli``).
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tiktok_assets.sandbox.server.app import SandboxApp
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body go out promptly (no 40 ms delayed-ACK stalls)
    server_version = "tiktok-sandbox/1.0"
    app: SandboxApp  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests and benchmarks read stats instead

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header tells the sandbox's clock, as a server's tells its own: clients that follow
        the server's day (quota day, ``collected_at``) follow the sandbox, fixed or advanced."""
        return super().date_time_string(self.app.clock.now() if timestamp is None else timestamp)

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
        if fault is None and self.command != "HEAD":
            # Headers and body in one send: a separate small header packet costs a syscall and, with
            # TCP_NODELAY, a packet of its own on every page.
            self._headers_buffer.append(b"\r\n" + resp.body)
            self.flush_headers()
            return
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
