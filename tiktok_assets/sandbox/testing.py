"""``running_sandbox(...)``: a sandbox on a loopback port for tests, the demo and benchmarks.

Every helper talks to the server over HTTP (httpx), so the same handle works for a sandbox started in
another process: ``SandboxHandle("http://127.0.0.1:9400")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson

from tiktok_assets.sandbox.server.httpd import make_server

CLIENT_KEY = "sandbox-key"
CLIENT_SECRET = "sandbox-secret"
ED_TOKEN = "sandbox-token"


class SandboxHandle:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.research_url = self.base_url  # the Research API's base (paths start with /v2/)
        self.ensembledata_url = self.base_url + "/apis"
        self.vce_url = self.base_url + "/vce"
        self.client_key, self.client_secret, self.ed_token = CLIENT_KEY, CLIENT_SECRET, ED_TOKEN
        self._http = httpx.Client(base_url=self.base_url, timeout=30.0)

    def _post(self, path: str, body: Any) -> Any:
        r = self._http.post(path, content=orjson.dumps(body), headers={"content-type": "application/json"})
        if r.status_code >= 400:
            raise RuntimeError(f"sandbox control {path} answered {r.status_code}: {r.text}")
        return orjson.loads(r.content)

    def _get(self, path: str) -> Any:
        r = self._http.get(path)
        r.raise_for_status()
        return orjson.loads(r.content)

    def set_clock(self, now: str | None = None, advance_seconds: float | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now
        if advance_seconds is not None:
            body["advance_seconds"] = advance_seconds
        return self._post("/_sandbox/clock", body)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self.set_clock(advance_seconds=seconds)

    def clock(self) -> dict[str, Any]:
        return self._get("/_sandbox/clock")

    def set_faults(self, faults: dict[str, float]) -> dict[str, float]:
        return self._post("/_sandbox/faults", faults)

    def set_limits(self, **limits: int) -> dict[str, int]:
        return self._post("/_sandbox/limits", limits)

    def stats(self) -> dict[str, Any]:
        return self._get("/_sandbox/stats")

    def truth(self, api: str, path: str, params: dict[str, Any]) -> list[str]:
        """Keys a perfect client collects for this request; ``api`` is ``research`` or ``ensembledata``."""
        return self._post(f"/_sandbox/truth/{api}/{path.lstrip('/')}", params)["keys"]

    def close(self) -> None:
        self._http.close()


@contextmanager
def running_sandbox(
    seed: int = 7,
    size: str = "small",
    now: str | None = "2026-06-15T12:00:00Z",
    faults: dict[str, float] | None = None,
    **limits: Any,
) -> Iterator[SandboxHandle]:
    """Start a sandbox on 127.0.0.1 (free port) in a background thread; stop it on exit.

    ``now=None`` runs on real time; limits are the ``Limits`` fields (research_daily_requests=..., ...).
    """
    server = make_server(seed=seed, size=size, now=now, faults=faults, **limits).start()
    handle = SandboxHandle(server.base_url)
    handle.app = server.app  # type: ignore[attr-defined]  # in-process escape hatch (benchmarks)
    try:
        yield handle
    finally:
        handle.close()
        server.stop()


class ResearchRaw:
    """Raw Research API calls over HTTP for tests: no retries, no parsing beyond JSON."""

    def __init__(self, handle: SandboxHandle) -> None:
        self.handle = handle
        self.http = httpx.Client(base_url=handle.research_url, timeout=30.0)
        self._token: str | None = None

    def new_token(self, key: str = CLIENT_KEY, secret: str = CLIENT_SECRET) -> httpx.Response:
        form = {"client_key": key, "client_secret": secret, "grant_type": "client_credentials"}
        return self.http.post("/v2/oauth/token/", data=form)

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.new_token().json()["access_token"]
        return self._token

    def refresh(self) -> str:
        self._token = None
        return self.token

    def post(
        self,
        path: str,
        body: Any,
        fields: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = "/v2/research/" + path.lstrip("/")
        if fields is not None:
            url += "?fields=" + fields
        hdrs = {"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"}
        hdrs.update(headers or {})
        return self.http.post(url, content=orjson.dumps(body), headers=hdrs)

    def data(self, path: str, body: Any, fields: str | None = None) -> dict[str, Any]:
        """POST and return ``data``, asserting success."""
        r = self.post(path, body, fields)
        payload = orjson.loads(r.content)
        assert r.status_code == 200 and payload["error"]["code"] == "ok", (r.status_code, r.text)
        return payload["data"]

    def close(self) -> None:
        self.http.close()
