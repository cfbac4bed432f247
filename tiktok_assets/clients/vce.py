"""VCE query tasks: the RQS client protocol, how to obtain one, and a task runner with a lifecycle.

``pyrqs`` exists only inside TikTok's Virtual Compute Environment and its wire protocol is not public, so
code can only target its Python surface (``RQSClientProtocol``). ``make_rqs`` returns the real
``pyrqs.rqs.RQSClient()`` when importable; otherwise the sandbox's HTTP stand-in with the same surface,
``tiktok_assets.sandbox.vce.rqs_client.RQSClient(base_url)``. That import is the one sanctioned touch of
``sandbox/`` from ``clients/``: there is no public protocol to implement ourselves, the stand-in uses httpx
only, and it is loaded lazily by module name so nothing else of the sandbox is imported.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from tiktok_assets.clients.errors import ApiError, InvalidInputError, RetryableError

API = "vce"
STANDIN_MODULE = "tiktok_assets.sandbox.vce.rqs_client"
TERMINAL_OK = "Completed"
TERMINAL_BAD = ("AnalysisFailed", "Cancelled")  # before the end: Created, Validating, Processing

CATEGORIES: dict[str, tuple[str, ...]] = {
    "video": (
        "id",
        "username",
        "region_code",
        "video_description",
        "music_id",
        "like_count",
        "comment_count",
        "share_count",
        "view_count",
        "effect_ids",
        "hashtag_names",
        "playlist_id",
        "voice_to_text",
        "create_time",
        "duration_type",
        "favorites_count",
        "stem_verified",
        "hashtag_info_list",
        "effect_info_list",
        "sticker_text",
        "video_label",
        "video_mention_list",
        "video_tags",
    ),
    "comment": (
        "id",
        "video_id",
        "text",
        "parent_comment_id",
        "like_count",
        "reply_count",
        "create_time",
        "display_name",
    ),
    "profile": (
        "username",
        "bio_description",
        "avatar_uri",
        "is_verified",
        "following_count",
        "follower_count",
        "video_count",
        "likes_count",
        "bio_url",
    ),
    "followers_list": ("display_name", "username"),
    "following_list": ("display_name", "username"),
}
for _c in ("liked_videos", "pinned_videos", "reposted_videos"):
    CATEGORIES[_c] = CATEGORIES["video"]
CATEGORIES["playlists"] = ()  # fields open in the doc: not checked
GROUP_OPERATORS = ("and", "or", "not")
OPERATORS = ("EQ", "IN", "GT", "GTE", "LT", "LTE", "LIKE", "CONTAINS")


class VceTimeoutError(ApiError):
    """A task did not finish in time; it was cancelled."""


class VceTaskFailedError(ApiError):
    """A task ended ``AnalysisFailed`` or ``Cancelled``."""


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


def make_rqs(base_url: str | None = None) -> RQSClientProtocol:
    """The real pyrqs client inside a VCE, else the sandbox stand-in at ``base_url`` (or TIKTOK_VCE_BASE_URL)."""
    try:
        from pyrqs import rqs  # type: ignore[import-not-found]
    except ImportError:
        module = importlib.import_module(STANDIN_MODULE)
        return module.RQSClient(base_url=base_url or os.environ.get("TIKTOK_VCE_BASE_URL"))
    return rqs.RQSClient()


def validate_task(
    category: str,
    condition_groups: Sequence[Mapping[str, Any]],
    fields: Sequence[str] | str,
    limit: int | None,
) -> tuple[list[dict[str, Any]], str]:
    """Checked locally, so a bad task fails before any call; returns (groups, fields as a comma string)."""
    if category not in CATEGORIES:
        raise InvalidInputError(f"category {category!r} not in {sorted(CATEGORIES)}", parameter="category")
    names = [f.strip() for f in (fields.split(",") if isinstance(fields, str) else fields) if f.strip()]
    allowed = CATEGORIES[category]
    if not names:
        raise InvalidInputError("fields is empty", parameter="fields")
    bad = [f for f in names if allowed and f not in allowed]
    if bad:
        raise InvalidInputError(f"unknown {category} field(s) {bad}", parameter="fields")
    if limit is not None and not 1 <= int(limit) <= 100_000:
        raise InvalidInputError(f"limit {limit} not in 1..100000", parameter="limit")
    groups: list[dict[str, Any]] = []
    for i, g in enumerate(condition_groups):
        op = str(g.get("operator", "")).lower()
        if op not in GROUP_OPERATORS:
            raise InvalidInputError(
                f"condition_groups[{i}].operator {op!r} not in {GROUP_OPERATORS}",
                parameter=f"condition_groups[{i}].operator",
            )
        conds = []
        for j, c in enumerate(g.get("conditions") or []):
            where = f"condition_groups[{i}].conditions[{j}]"
            if "field_name" in c or "operation" in c:
                raise InvalidInputError(
                    f"{where}: VCE uses field/operator, not field_name/operation", parameter=where
                )
            cop = str(c.get("operator", "")).upper()
            if cop not in OPERATORS:
                raise InvalidInputError(
                    f"{where}.operator {cop!r} not in {OPERATORS}", parameter=f"{where}.operator"
                )
            values = c.get("field_values")
            if not values or isinstance(values, str):
                raise InvalidInputError(
                    f"{where}.field_values must be a non-empty list", parameter=f"{where}.field_values"
                )
            conds.append(
                {
                    "field": c.get("field"),
                    "operator": c.get("operator"),
                    "field_values": [str(v) for v in values],
                }
            )
        groups.append({"operator": op, "conditions": conds})
    return groups, ",".join(names)


def parse_result(result: Any) -> list[dict[str, Any]]:
    """The result as records: a list as is, or a JSON string (the doc says either)."""
    if isinstance(result, str | bytes):
        result = json.loads(result) if result.strip() else []
    if isinstance(result, Mapping):
        result = result.get("result", result.get("data", [result]))
    return [dict(r) for r in result or []]


class VceClient:
    """Runs one query task to completion: create → poll → result; cancels on timeout or interrupt."""

    def __init__(
        self,
        rqs: RQSClientProtocol,
        *,
        poll_interval: float = 5.0,
        timeout: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_poll_errors: int = 5,
    ) -> None:
        self.rqs = rqs
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.max_poll_errors = max_poll_errors
        self.calls = 0
        self.last_task_id: int | None = None

    def __repr__(self) -> str:
        return f"VceClient({type(self.rqs).__name__})"

    def run(
        self,
        category: str,
        condition_groups: Sequence[Mapping[str, Any]],
        fields: Sequence[str] | str,
        limit: int | None = None,
        poll_interval: float | None = None,
        timeout: float | None = None,
    ) -> list[dict[str, Any]]:
        groups, field_str = validate_task(category, condition_groups, fields, limit)
        interval = self.poll_interval if poll_interval is None else poll_interval
        deadline = self.clock() + (self.timeout if timeout is None else timeout)
        self.calls += 1
        try:
            task_id = int(
                self.rqs.create_query_task(
                    category=category, condition_groups=groups, fields=field_str, limit=limit
                )
            )
        except Exception as exc:
            raise _wrap(exc, "create_query_task") from None
        self.last_task_id = task_id
        try:
            status = self._wait(task_id, interval, deadline)
        except BaseException:  # KeyboardInterrupt, timeout, anything: the task must not run on unattended
            self._cancel(task_id)
            raise
        if status != TERMINAL_OK:
            raise VceTaskFailedError(
                f"task {task_id} ended {status}", api=API, endpoint=category, code=status
            )
        self.calls += 1
        try:
            return parse_result(self.rqs.get_query_task_result(task_id))
        except Exception as exc:
            raise _wrap(exc, "get_query_task_result") from None

    def _wait(self, task_id: int, interval: float, deadline: float) -> str:
        errors = 0
        while True:
            self.calls += 1
            try:
                status = str(self.rqs.check_query_task_status(task_id))
                errors = 0
            except Exception as exc:  # a flaky status call is retried a few times, then surfaces
                errors += 1
                if errors > self.max_poll_errors:
                    raise _wrap(exc, "check_query_task_status") from None
                status = ""
            if status == TERMINAL_OK or status in TERMINAL_BAD:
                return status
            if self.clock() >= deadline:
                raise VceTimeoutError(
                    f"task {task_id} still {status or 'unknown'} at the deadline; cancelled",
                    api=API,
                    endpoint="query_task",
                )
            self.sleep(interval)

    def _cancel(self, task_id: int) -> None:
        try:
            self.calls += 1
            self.rqs.cancel_query_task(task_id)
        except Exception:  # best effort: the original error is what the caller needs to see
            pass


def _wrap(exc: Exception, call: str) -> ApiError:
    status = getattr(exc, "status_code", None)
    message = f"{call}: {type(exc).__name__}: {exc}"
    if status is not None and 400 <= int(status) < 500:
        return InvalidInputError(message, api=API, endpoint=call, status=int(status))
    return RetryableError(message, api=API, endpoint=call, status=status)
