"""`RQSClient`: pyrqs' Python surface over the sandbox's VCE protocol (see vce/service.py), httpx only.

The product's clients layer loads this module as the stand-in for `from pyrqs import rqs` when pyrqs is
absent, so it imports nothing else from the sandbox. Inside a real VCE, `rqs.RQSClient()` takes no
arguments; here `base_url` defaults to the environment variable TIKTOK_VCE_BASE_URL.

Choice (open in the doc: a string on one page, a list on another): `get_query_task_result` returns a
`list[dict]` — one dict per record, only the requested fields.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx

ENV_BASE_URL = "TIKTOK_VCE_BASE_URL"
ENV_STAGE = "TIKTOK_VCE_STAGE"
TERMINAL = ("Completed", "AnalysisFailed", "Cancelled")


class RQSError(RuntimeError):
    """The service refused a call (bad task spec, unknown task, result not available)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message} (HTTP {status_code})")
        self.status_code, self.code, self.message = status_code, code, message


class QueryTaskFailed(RQSError):
    """`query()` saw the task end `AnalysisFailed` or `Cancelled`."""


class RQSClient:
    def __init__(
        self,
        base_url: str | None = None,
        *,
        stage: str | None = None,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        http_timeout: float = 60.0,
    ) -> None:
        """`stage` (test / execution; default env TIKTOK_VCE_STAGE, else the service's) stands for the VCE
        stage the notebook runs in. `poll_interval` / `timeout` pace `query()`."""
        url = base_url or os.environ.get(ENV_BASE_URL)
        if not url:
            raise ValueError(f"no VCE base URL: pass base_url or set {ENV_BASE_URL}")
        self.base_url = url.rstrip("/")
        self.stage = stage or os.environ.get(ENV_STAGE) or None
        self.poll_interval, self.timeout = poll_interval, timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=http_timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RQSClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pyrqs surface ------------------------------------------------------------------------------------
    def create_query_task(
        self,
        category: str,
        condition_groups: list[dict[str, Any]] | None = None,
        fields: str | list[str] | None = None,
        limit: int | None = None,
    ) -> int:
        body: dict[str, Any] = {
            "category": category,
            "condition_groups": condition_groups or [],
            "fields": fields,
            "limit": limit,
        }
        if self.stage:
            body["stage"] = self.stage
        return int(self._call("POST", "/tasks", json=body)["task_id"])

    def check_query_task_status(self, task_id: int) -> str:
        return str(self._call("GET", f"/tasks/{int(task_id)}")["status"])

    def cancel_query_task(self, task_id: int) -> bool:
        return bool(self._call("POST", f"/tasks/{int(task_id)}/cancel")["success"])

    def get_query_task_result(self, task_id: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/tasks/{int(task_id)}/result")["result"])

    def query(
        self,
        category: str,
        condition_groups: list[dict[str, Any]] | None = None,
        fields: str | list[str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Create, wait for a terminal status, return the result; raises QueryTaskFailed otherwise."""
        task_id = self.create_query_task(
            category=category, condition_groups=condition_groups, fields=fields, limit=limit
        )
        deadline = time.monotonic() + self.timeout
        while True:
            response = self._call("GET", f"/tasks/{task_id}")
            status = str(response["status"])
            if status == "Completed":
                return self.get_query_task_result(task_id)
            if status in TERMINAL:
                raise QueryTaskFailed(200, status, response.get("message") or f"task {task_id} {status}")
            if time.monotonic() > deadline:
                self.cancel_query_task(task_id)
                raise TimeoutError(f"VCE task {task_id} still {status} after {self.timeout} s (cancelled)")
            if self.poll_interval > 0:
                time.sleep(self.poll_interval)

    # -- transport ----------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        response = self._http.request(method, path, json=json)
        try:
            payload = response.json()
        except ValueError:
            raise RQSError(response.status_code, "invalid_response", response.text[:200]) from None
        if response.status_code != 200:
            error = payload.get("error", {}) if isinstance(payload, dict) else {}
            raise RQSError(
                response.status_code, str(error.get("code", "error")), str(error.get("message", ""))
            )
        return payload
