"""The VCE query-task service (server side), mounted at `/vce/…`, speaking a small JSON protocol.

pyrqs' wire protocol is not public (doc), so this one is the sandbox's own; `rqs_client.RQSClient` speaks it:

    POST /vce/tasks                 {category, condition_groups, fields, limit[, stage]} -> {task_id, status}
    GET  /vce/tasks/<id>            -> {task_id, status[, message]}
    POST /vce/tasks/<id>/cancel     -> {task_id, success, status}
    GET  /vce/tasks/<id>/result[?offset=&count=]
                                    -> {task_id, status, result: [...], count, offset, next_offset}
                                       (409 until Completed; without `count` the whole result in one page)

A create may carry an `Idempotency-Key` header: the same key answers the task it created the first time, so
a client whose reply was lost (reset, truncated body) can send it again without making a second task.

Errors: `{"error": {"code", "message"}}` — 400 for a body that is not a task (bad JSON, unknown category,
bad limit, bad page), 404 for an unknown task or route, 409 for a result that is not ready / failed / cancelled.

Lifecycle: Created → Validating → Processing → Completed, one step per status poll or per `step_seconds`
of the sandbox clock, whichever is further (a fixed clock still completes by polling). A query the
category's field rules refuse (bad field, operator, values, fields) or that hits private data or the
daily record cap ends `AnalysisFailed` (the reason is in `message`). Cancel stops any unfinished task.
The data is the world at the task's creation time (a snapshot), so a result never changes.

Stages (doc): test — default limit 100, at most 5,000 records a day, a seeded random sample of the
matches; execution — default 1,000, at most 100,000 a query, the first matches in order (videos newest
first). The stage is a service setting; a request may name it (`stage`), as a notebook runs in one.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.vce.execute import execute
from tiktok_assets.sandbox.vce.fields import CATEGORIES
from tiktok_assets.sandbox.vce.query import Query, QueryError, compile_query
from tiktok_assets.sandbox.world.catalog import catalog, epoch, utc_day

CREATED, VALIDATING, PROCESSING = "Created", "Validating", "Processing"
COMPLETED, FAILED, CANCELLED = "Completed", "AnalysisFailed", "Cancelled"
LIFECYCLE = (CREATED, VALIDATING, PROCESSING, COMPLETED)
STATUSES = (CREATED, VALIDATING, PROCESSING, COMPLETED, FAILED, CANCELLED)
MAX_PAGE = 10_000  # records per result page (open: pyrqs returns one list; the HTTP protocol is ours)


@dataclass(frozen=True)
class Stage:
    default_limit: int
    max_limit: int  # per query
    daily_records: int | None  # per sandbox day, across tasks
    sample: bool  # random sample of the matches instead of the first ones


STAGES: dict[str, Stage] = {
    "test": Stage(default_limit=100, max_limit=5_000, daily_records=5_000, sample=True),
    "execution": Stage(default_limit=1_000, max_limit=100_000, daily_records=None, sample=False),
}


@dataclass
class _Task:
    id: int
    stage: str
    limit: int
    created_at: int  # sandbox clock at creation: the data snapshot and the lifecycle origin
    query: Query | None
    error: str | None  # validation failure: the task will end AnalysisFailed
    polls: int = 0
    final: str | None = None  # Completed / AnalysisFailed / Cancelled once reached
    message: str = ""
    result: list[dict[str, Any]] = field(default_factory=list)


class _BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_ROUTE = re.compile(r"^/tasks(?:/(\d+)(/cancel|/result)?)?$")


class VceService:
    def __init__(
        self,
        world: Any,
        now_fn: Callable[[], Any],
        *,
        stage: str = "test",
        step_seconds: int = 5,
        test_min_followers: int = 0,
    ) -> None:
        """`test_min_followers`: the doc's test stage samples creators with ≥25k followers; the sandbox world's
        follower counts are a small sample of TikTok's, so the default 0 keeps every creator (set 25_000 to
        apply the doc's rule literally)."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {sorted(STAGES)}")
        self.world, self.now_fn, self.stage = world, now_fn, stage
        self.step_seconds = step_seconds
        self.test_min_followers = test_min_followers
        self._lock = threading.RLock()
        self._tasks: dict[int, _Task] = {}
        self._next_id = 1_000_001
        self._records_by_day: dict[str, int] = defaultdict(int)  # test stage: the daily cap's count
        self._spent: dict[tuple[str, str], int] = defaultdict(int)  # (stage, day) -> records returned
        self._by_key: dict[str, int] = {}  # Idempotency-Key -> task id

    # -- HTTP ---------------------------------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        path = re.sub(r"/{2,}", "/", request.path.split("?", 1)[0]).rstrip("/")
        path = path[len("/vce") :] if path.startswith("/vce") else path
        match = _ROUTE.match(path)
        method = request.method.upper()
        try:
            if match is None:
                raise _BadRequest(404, "not_found", f"no VCE route {request.path}")
            task_id, action = match.group(1), match.group(2)
            if task_id is None:
                if method != "POST":
                    raise _BadRequest(405, "method_not_allowed", "create a task with POST /vce/tasks")
                key = request.headers.get("idempotency-key")
                return SandboxResponse.json(200, self.create(request.body, key))
            wanted = "POST" if action == "/cancel" else "GET"
            if method != wanted:
                raise _BadRequest(405, "method_not_allowed", f"use {wanted} for this route")
            if action == "/cancel":
                return SandboxResponse.json(200, self.cancel(int(task_id)))
            if action == "/result":
                page = _page(request.param("offset"), request.param("count"))
                return SandboxResponse.json(200, self.result(int(task_id), *page))
            return SandboxResponse.json(200, self.status(int(task_id)))
        except _BadRequest as exc:
            return SandboxResponse.json(exc.status, {"error": {"code": exc.code, "message": exc.message}})

    # -- operations ---------------------------------------------------------------------------------------
    def create(self, body: bytes, idempotency_key: str | None = None) -> dict[str, Any]:
        if idempotency_key:
            with self._lock:
                known = self._by_key.get(idempotency_key)
                if known is not None:
                    return {"task_id": known, "status": self._current(self._tasks[known])}
        try:
            spec = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            raise _BadRequest(400, "invalid_request", "the body must be a JSON object") from None
        if not isinstance(spec, dict):
            raise _BadRequest(400, "invalid_request", "the body must be a JSON object")
        category = spec.get("category")
        if category not in CATEGORIES:
            raise _BadRequest(400, "invalid_category", f"category must be one of: {', '.join(CATEGORIES)}")
        stage_name = spec.get("stage") or self.stage
        if stage_name not in STAGES:
            raise _BadRequest(400, "invalid_stage", f"stage must be one of: {', '.join(STAGES)}")
        stage = STAGES[stage_name]
        limit = spec.get("limit")
        if limit is None:
            limit = stage.default_limit
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise _BadRequest(400, "invalid_limit", "limit must be a positive integer")
        query, error = None, None
        try:
            query = compile_query(category, spec.get("condition_groups"), spec.get("fields"))
            if limit > stage.max_limit:
                raise QueryError(f"limit {limit} exceeds the {stage_name} stage maximum of {stage.max_limit}")
        except QueryError as exc:
            error = str(exc)
        with self._lock:
            task = _Task(self._next_id, stage_name, limit, epoch(self.now_fn()), query, error)
            self._tasks[task.id] = task
            self._next_id += 1
            if idempotency_key:
                self._by_key[idempotency_key] = task.id
        return {"task_id": task.id, "status": CREATED}

    def status(self, task_id: int) -> dict[str, Any]:
        with self._lock:
            task = self._task(task_id)
            status = self._current(task)
            task.polls += 1  # each poll moves the task one step on
            out: dict[str, Any] = {"task_id": task.id, "status": status}
            if task.message:
                out["message"] = task.message
            return out

    def cancel(self, task_id: int) -> dict[str, Any]:
        with self._lock:
            task = self._task(task_id)
            status = self._current(task)
            success = status not in (COMPLETED, FAILED, CANCELLED)
            if success:
                task.final, task.message = CANCELLED, "cancelled by the user"
            return {"task_id": task.id, "success": success, "status": task.final or status}

    def result(self, task_id: int, offset: int = 0, count: int | None = None) -> dict[str, Any]:
        with self._lock:
            task = self._task(task_id)
            status = self._current(task)
            if status == COMPLETED:
                total = len(task.result)
                end = total if count is None else min(total, offset + count)
                return {
                    "task_id": task.id,
                    "status": status,
                    "count": total,
                    "offset": offset,
                    "next_offset": end if end < total else None,
                    "result": task.result[offset:end],
                }
            code = {FAILED: "analysis_failed", CANCELLED: "cancelled"}.get(status, "not_ready")
            raise _BadRequest(409, code, task.message or f"task {task.id} is {status}")

    def describe(self) -> dict[str, Any]:
        """Tasks by status as a poll would report them now (no poll counted), records spent per stage/day."""
        with self._lock:
            by_status = dict.fromkeys(STATUSES, 0)
            for task in self._tasks.values():
                by_status[self._current(task)] += 1
            spent = {f"{stage} {day}": n for (stage, day), n in sorted(self._spent.items())}
            return {"tasks": len(self._tasks), "by_status": by_status, "records": spent}

    @staticmethod
    def describe_empty() -> dict[str, Any]:
        return {"tasks": 0, "by_status": dict.fromkeys(STATUSES, 0), "records": {}}

    # -- lifecycle ----------------------------------------------------------------------------------------
    def _task(self, task_id: int) -> _Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise _BadRequest(404, "task_not_found", f"no query task {task_id}")
        return task

    def _current(self, task: _Task) -> str:
        if task.final is not None:
            return task.final
        elapsed = max(0, epoch(self.now_fn()) - task.created_at)
        step = max(task.polls, elapsed // self.step_seconds if self.step_seconds > 0 else len(LIFECYCLE))
        if step >= 2 and task.error is not None:  # validation finished: refused
            task.final, task.message = FAILED, task.error
            return FAILED
        if step < len(LIFECYCLE) - 1:
            return LIFECYCLE[step]
        self._finish(task)
        assert task.final is not None
        return task.final

    def _finish(self, task: _Task) -> None:
        assert task.query is not None
        stage = STAGES[task.stage]
        day = utc_day(task.created_at).isoformat()
        limit = task.limit
        if stage.daily_records is not None:
            left = stage.daily_records - self._records_by_day[day]
            if left <= 0:
                task.final = FAILED
                task.message = (
                    f"the {task.stage} stage's {stage.daily_records:,} records for {day} are used up"
                )
                return
            limit = min(limit, left)
        seed = self.world.string_seed("vce-sample", task.id) if stage.sample else None
        min_followers = self.test_min_followers if task.stage == "test" else 0
        try:
            task.result = execute(
                catalog(self.world), task.query, task.created_at, limit, seed, min_followers
            )
        except QueryError as exc:
            task.final, task.message = FAILED, str(exc)
            return
        if stage.daily_records is not None:
            self._records_by_day[day] += len(task.result)
        self._spent[(task.stage, day)] += len(task.result)
        task.final = COMPLETED


def _page(offset: str | None, count: str | None) -> tuple[int, int | None]:
    """`?offset=&count=` of a result request: offset >= 0, 1 <= count <= MAX_PAGE (absent: everything)."""
    try:
        start = int(offset) if offset not in (None, "") else 0
        size = int(count) if count not in (None, "") else None
    except ValueError:
        raise _BadRequest(400, "invalid_page", "offset and count must be integers") from None
    if start < 0 or (size is not None and not 1 <= size <= MAX_PAGE):
        raise _BadRequest(400, "invalid_page", f"offset must be >= 0 and count in 1..{MAX_PAGE}")
    return start, size
