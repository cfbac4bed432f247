"""VCE query tasks: the RQS client protocol, how to obtain one, a validated task, and one task's lifecycle.

``pyrqs`` exists only inside TikTok's Virtual Compute Environment and its wire protocol is not public, so
code can only target its Python surface (``RQSClientProtocol``). ``make_rqs`` returns the real
``pyrqs.rqs.RQSClient()`` when importable; otherwise the sandbox's HTTP stand-in with the same surface,
``tiktok_assets.sandbox.vce.rqs_client.RQSClient(base_url)``. That import is the one sanctioned touch of
``sandbox/`` from ``clients/``: there is no public protocol to implement ourselves, the stand-in uses httpx
only, and it is loaded lazily by module name so nothing else of the sandbox is imported.

The pyrqs calls made, and nothing else: ``create_query_task(category=, condition_groups=, fields=, limit=)``,
``check_query_task_status(task_id)``, ``get_query_task_result(task_id)`` (also to read why a task ended
``AnalysisFailed``: pyrqs' status call returns the status only) and ``cancel_query_task(task_id)``.
Every call is retried on a transient failure (``transport.RetryPolicy``); a task is validated locally first
(``validate_task``), so a bad query fails before any call, naming the offending key.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from tiktok_assets.clients.errors import ApiError, InvalidInputError, RetryableError
from tiktok_assets.clients.redaction import redact
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.clients.vce_query import TaskSpec, validate_task
from tiktok_assets.endpoints.vce import ALL_OPERATORS

API = "vce"
STANDIN_MODULE = "tiktok_assets.sandbox.vce.rqs_client"
TERMINAL_OK = "Completed"
TERMINAL_BAD = ("AnalysisFailed", "Cancelled")  # before the end: Created, Validating, Processing
RUNNING = ("Created", "Validating", "Processing")
OPERATORS = ALL_OPERATORS
T = TypeVar("T")


class VceTimeoutError(ApiError):
    """A task did not finish in time; it was cancelled."""


class VceTaskFailedError(ApiError):
    """A task ended ``AnalysisFailed`` or ``Cancelled``; ``reason`` is what the service said."""

    def __init__(self, task_id: int, status: str, reason: str = "", **kw: Any) -> None:
        self.task_id, self.task_status, self.reason = task_id, status, reason
        super().__init__(
            f"task {task_id} ended {status}" + (f": {reason}" if reason else ""), code=status, **kw
        )


class VceAnalysisFailedError(VceTaskFailedError):
    """The service refused to run the task (``AnalysisFailed``): the query as sent, or in the test stage a
    day's records already used up elsewhere; ``reason`` says which. Asking again fails the same way."""


class VceTaskNotFoundError(InvalidInputError):
    """The service does not know the task id (a recorded id from another service, or long gone)."""


class VceStageLimitError(ApiError):
    """Refused before the call: the task could exceed a VCE stage's record limit. ``limit`` names which one;
    ``resets_at`` is when it resets (next 00:00 UTC for the test stage's daily cap; None for a per-query limit)."""

    def __init__(self, message: str, *, stage: str, limit: str, resets_at: datetime | None) -> None:
        self.stage, self.limit, self.resets_at = stage, limit, resets_at
        tail = f"; resets at {resets_at.isoformat()}" if resets_at else "; a per-query limit never resets"
        super().__init__(f"{stage} stage, {limit}: {message}{tail}", api=API, endpoint="create_query_task")


@runtime_checkable
class RQSClientProtocol(Protocol):
    """pyrqs' ``rqs.RQSClient`` surface (reference/vce.md)."""

    def create_query_task(
        self,
        category: str,
        condition_groups: list[dict[str, Any]] | None = ...,
        fields: Any = ...,
        limit: int | None = ...,
    ) -> int: ...

    def check_query_task_status(self, task_id: int) -> str: ...

    def cancel_query_task(self, task_id: int) -> bool: ...

    def get_query_task_result(self, task_id: int) -> Any: ...

    def query(
        self,
        category: str,
        condition_groups: list[dict[str, Any]] | None = ...,
        fields: Any = ...,
        limit: int | None = ...,
    ) -> Any: ...


def has_pyrqs() -> bool:
    """True inside a VCE (pyrqs importable): ``make_rqs`` returns the real client."""
    return importlib.util.find_spec("pyrqs") is not None


def make_rqs(base_url: str | None = None, stage: str | None = None) -> RQSClientProtocol:
    """The real pyrqs client inside a VCE, else the sandbox stand-in at ``base_url`` (or TIKTOK_VCE_BASE_URL).

    ``stage`` reaches the stand-in only: inside a VCE the stage is the environment the notebook runs in."""
    try:
        from pyrqs import rqs  # type: ignore[import-not-found]
    except ImportError:
        module = importlib.import_module(STANDIN_MODULE)
        return module.RQSClient(base_url=base_url or os.environ.get("TIKTOK_VCE_BASE_URL"), stage=stage)
    return rqs.RQSClient()


class VceResultError(ApiError):
    """A completed task's result could not be read as records; asking again returns the same result."""


def parse_result(result: Any) -> list[dict[str, Any]]:
    """The result as records. The doc says a string on one page and a list on another, so both are read: a
    list (of mappings, or of JSON object strings), or a string holding a JSON array, a JSON object (its
    ``result``/``data`` list, or the one record) or JSON lines. Anything else, ``None`` included, is a
    ``VceResultError``: a day stored empty because its result was unreadable would be a loss nobody sees."""
    if isinstance(result, bytes):
        result = result.decode()
    if isinstance(result, str):
        result = _json_records(result)
    if isinstance(result, Mapping):
        result = result.get("result", result.get("data", [result]))
    if not isinstance(result, list | tuple):
        raise VceResultError(f"a result of type {type(result).__name__} is not a list of records",
                             api=API, endpoint="get_query_task_result")  # fmt: skip
    records = []
    for i, record in enumerate(result):
        if isinstance(record, str | bytes):
            parsed = _json_records(record.decode() if isinstance(record, bytes) else record)
            records.extend(_as_record(r, i) for r in ([parsed] if isinstance(parsed, Mapping) else parsed))
        else:
            records.append(_as_record(record, i))
    return records


def _json_records(text: str) -> list[Any] | Mapping[str, Any]:
    """A JSON array or object, or JSON lines (one record per line); ``""`` is no records."""
    if not text.strip():
        return []
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise VceResultError(f"the result is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                                 api=API, endpoint="get_query_task_result") from None  # fmt: skip
    return parsed if isinstance(parsed, list | Mapping) else [parsed]


def _as_record(record: Any, index: int) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise VceResultError(f"record {index} is a {type(record).__name__}, not a mapping of fields",
                             api=API, endpoint="get_query_task_result")  # fmt: skip
    return dict(record)


# -- one task's lifecycle -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollPolicy:
    """Status polls: ``initial`` seconds after the first, then ``factor`` times longer each, up to ``maximum``;
    a task still running ``timeout`` seconds after it was created (or resumed) is cancelled."""

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 60.0
    timeout: float = 3600.0

    def interval(self, polls_done: int) -> float:
        return min(self.maximum, self.initial * self.factor ** max(0, polls_done - 1))


class VceClient:
    """The RQS calls, each retried on a transient failure, counted in ``calls``; ``run`` = one whole task."""

    def __init__(
        self,
        rqs: RQSClientProtocol,
        *,
        poll: PollPolicy | None = None,
        poll_interval: float | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_poll_errors: int = 5,
        stage: str | None = None,
    ) -> None:
        """``stage``: the VCE stage the tasks run in (test / execution), for the local limit checks; None: the
        largest maximum. ``poll_interval`` (legacy): a constant interval, ``PollPolicy(poll_interval, factor=1)``."""
        poll = poll or (
            PollPolicy(poll_interval, 1.0, poll_interval) if poll_interval is not None else PollPolicy()
        )
        self.poll = PollPolicy(
            poll.initial, poll.factor, poll.maximum, poll.timeout if timeout is None else timeout
        )
        self.rqs = rqs
        self.stage = stage
        self.retry = retry or RetryPolicy(max_attempts=max_poll_errors + 1, sleep=sleep)
        self.sleep = sleep
        self.clock = clock
        self.calls = 0
        self.last_task_id: int | None = None

    def __repr__(self) -> str:
        return f"VceClient({type(self.rqs).__name__})"

    def _call(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        for attempt in range(1, self.retry.max_attempts + 1):
            self.calls += 1
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # pyrqs' own exception types are not documented: classify by status
                error = _wrap(exc, name)
                if not isinstance(error, RetryableError) or attempt == self.retry.max_attempts:
                    raise error from None
            self.retry.sleep(self.retry.backoff(attempt))
        raise AssertionError("unreachable")

    def create(self, spec: TaskSpec) -> int:
        task_id = int(self._call("create_query_task", self.rqs.create_query_task, **spec.create_kwargs()))
        self.last_task_id = task_id
        return task_id

    def status(self, task_id: int) -> str:
        return str(self._call("check_query_task_status", self.rqs.check_query_task_status, task_id))

    def result(self, task_id: int) -> list[dict[str, Any]]:
        return parse_result(self._call("get_query_task_result", self.rqs.get_query_task_result, task_id))

    def cancel(self, task_id: int) -> bool:
        """Best effort: False when the service says the task was already final, or the call failed."""
        try:
            return bool(self._call("cancel_query_task", self.rqs.cancel_query_task, task_id))
        except ApiError:
            return False

    def failure(self, task_id: int, status: str) -> VceTaskFailedError:
        """The typed error of a task that ended ``status``, with the service's reason when it gives one."""
        reason = ""
        if status == "AnalysisFailed":
            try:
                self.result(task_id)
            except ApiError as exc:  # the refusal carries the reason (stand-in: 409 "analysis_failed", <why>)
                reason = getattr(exc, "detail", "") or str(exc)
        kind = VceAnalysisFailedError if status == "AnalysisFailed" else VceTaskFailedError
        return kind(task_id, status, reason, api=API, endpoint="query_task")

    def wait(self, task_id: int, deadline: float) -> str:
        """Poll until a final status (backoff per ``poll``); ``VceTimeoutError`` at ``deadline``."""
        polls = 0
        while True:
            status = self.status(task_id)
            polls += 1
            if status == TERMINAL_OK or status in TERMINAL_BAD:
                return status
            if self.clock() >= deadline:
                raise VceTimeoutError(
                    f"task {task_id} still {status} at the deadline; cancelled",
                    api=API,
                    endpoint="query_task",
                )
            self.sleep(self.poll.interval(polls))

    def run(
        self, category: str, condition_groups: Sequence[Mapping[str, Any]], fields: Sequence[str] | str,
        limit: int | None = None, poll_interval: float | None = None, timeout: float | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """One task, created, awaited and read; cancelled on timeout or interrupt (``VceApi``)."""
        spec = validate_task(category, condition_groups, fields, limit, self.stage)
        saved = self.poll
        if poll_interval is not None:
            self.poll = PollPolicy(poll_interval, 1.0, poll_interval, saved.timeout)
        try:
            deadline = self.clock() + (self.poll.timeout if timeout is None else timeout)
            task_id = self.create(spec)
            try:
                status = self.wait(task_id, deadline)
            except BaseException:  # KeyboardInterrupt, timeout, anything: the task must not run on unattended
                self.cancel(task_id)
                raise
            if status != TERMINAL_OK:
                raise self.failure(task_id, status)
            return self.result(task_id)
        finally:
            self.poll = saved


def _wrap(exc: Exception, call: str) -> ApiError:
    """Classify a failed RQS call: by the HTTP status the stand-in reports; anything without one (a lost
    connection, an unknown pyrqs error) is treated as transient."""
    if isinstance(exc, ApiError):
        return exc
    status = getattr(exc, "status_code", None)
    message = f"{type(exc).__name__}: {exc}"
    error: ApiError
    if status == 404:
        error = VceTaskNotFoundError(message, parameter="task_id", api=API, endpoint=call, status=404)
    elif status is not None and 400 <= int(status) < 500 and int(status) != 429:
        error = InvalidInputError(message, api=API, endpoint=call, status=int(status))
    else:
        error = RetryableError(message, api=API, endpoint=call, status=status)
    error.detail = redact(str(getattr(exc, "message", "") or exc))  # type: ignore[attr-defined]  # the service's words
    return error
