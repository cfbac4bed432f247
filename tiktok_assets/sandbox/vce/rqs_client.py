"""`RQSClient`: pyrqs' Python surface over the sandbox's VCE protocol (see vce/service.py), httpx only.

The product's clients layer loads this module as the stand-in for `from pyrqs import rqs` when pyrqs is
absent, so it imports nothing else from the sandbox. Inside a real VCE, `rqs.RQSClient()` takes no
arguments; here `base_url` defaults to the environment variable TIKTOK_VCE_BASE_URL.

Choice (open in the doc: a string on one page, a list on another): `get_query_task_result` returns a
`list[dict]` — one dict per record, only the requested fields.

Failures surface as they would from a library call: `RQSError` with the HTTP status for an answer the service
gave (429, 5xx, 4xx), httpx's transport errors for a lost connection. Two things a single pyrqs call hides
are handled here: a create whose reply was lost is sent again with the same `Idempotency-Key` (the service
answers the task it already made, never a second one), and `get_query_task_result` reads the result in pages
(`page_size` records each), retrying a failed page alone a few times before giving up.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

ENV_BASE_URL = "TIKTOK_VCE_BASE_URL"
ENV_STAGE = "TIKTOK_VCE_STAGE"
TERMINAL = ("Completed", "AnalysisFailed", "Cancelled")
T = TypeVar("T")


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
        page_size: int = 5_000,
        attempts: int = 5,
        retry_wait: float = 0.05,
    ) -> None:
        """`stage` (test / execution; default env TIKTOK_VCE_STAGE, else the service's) stands for the VCE
        stage the notebook runs in. `poll_interval` / `timeout` pace `query()`. `attempts` / `retry_wait`
        (doubling) bound the retries of a lost create reply and of a failed result page."""
        url = base_url or os.environ.get(ENV_BASE_URL)
        if not url:
            raise ValueError(f"no VCE base URL: pass base_url or set {ENV_BASE_URL}")
        self.base_url = url.rstrip("/")
        self.stage = stage or os.environ.get(ENV_STAGE) or None
        self.poll_interval, self.timeout = poll_interval, timeout
        self.page_size, self.attempts, self.retry_wait = page_size, max(1, attempts), retry_wait
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
        headers = {"Idempotency-Key": uuid.uuid4().hex}  # one per create: a resend is the same task

        def send() -> dict[str, Any]:
            return self._call("POST", "/tasks", json=body, headers=headers)

        return int(self._retrying(send, _lost_reply)["task_id"])

    def check_query_task_status(self, task_id: int) -> str:
        return str(self._call("GET", f"/tasks/{int(task_id)}")["status"])

    def cancel_query_task(self, task_id: int) -> bool:
        return bool(self._call("POST", f"/tasks/{int(task_id)}/cancel")["success"])

    def get_query_task_result(self, task_id: int) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            path = f"/tasks/{int(task_id)}/result?offset={offset}&count={self.page_size}"
            page = self._retrying(lambda path=path: self._call("GET", path), _transient)
            records += page["result"]
            offset = page.get("next_offset")
        return records

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
    def _retrying(self, call: Callable[[], T], retry_on: Callable[[Exception], bool]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except Exception as exc:
                if attempt == self.attempts or not retry_on(exc):
                    raise
                time.sleep(self.retry_wait * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _call(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = self._http.request(method, path, json=json, headers=headers)
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


def _lost_reply(exc: Exception) -> bool:
    """The request may have been served but its reply never arrived whole (reset, truncated body)."""
    return isinstance(exc, httpx.TransportError) or (
        isinstance(exc, RQSError) and exc.code == "invalid_response" and exc.status_code == 200
    )


def _transient(exc: Exception) -> bool:
    """Worth asking again: a lost reply, a rate limit, a server or gateway error."""
    return _lost_reply(exc) or (
        isinstance(exc, RQSError) and (exc.status_code == 429 or exc.status_code >= 500)
    )
