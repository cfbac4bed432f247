"""Typed API errors: the one tree every client failure belongs to, and when a daily quota resets.

Every failure a client can meet is one of these classes, decided once (``transport.py`` and the per-API
classifiers); callers branch on the class, never on message text. Messages are redacted at construction
(``redaction.redact``), so no secret can reach a log line or a traceback through an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from tiktok_assets.clients.redaction import redact

UnavailableReason = Literal["private", "not_found", "refused"]


@dataclass(frozen=True)
class Attempts:
    """What a call that ended in an error had spent: requests sent (retries included) and units charged."""

    requests: int = 0
    units: int = 0


class ApiError(Exception):
    """Any failure talking to an API. ``str()`` is redacted; ``status``/``code`` as the API sent them;
    ``attempts`` what the failed call spent, where its client counts that (EnsembleData)."""

    attempts: Attempts = Attempts()

    def __init__(
        self,
        message: str,
        *,
        api: str = "",
        endpoint: str = "",
        status: int | None = None,
        code: str | None = None,
        log_id: str | None = None,
    ) -> None:
        self.api = api
        self.endpoint = endpoint
        self.status = status
        self.code = code
        self.log_id = log_id
        where = " ".join(x for x in (api, endpoint) if x)
        super().__init__(redact(f"{where}: {message}" if where else message))

    @property
    def message(self) -> str:
        return str(self)


class RetryableError(ApiError):
    """Transient: 5xx, gateway HTML, network reset, truncated JSON, a flaky cursor. Retried with backoff."""


class SearchIdNotReadyError(RetryableError):
    """Research API: a ``search_id`` rejected as "invalid or expired" (also said for a few seconds after it was
    created). Retried with a growing wait; when it stays rejected the search is resumed without it."""


class RateLimitedError(RetryableError):
    """A 429. ``daily``: the API said its daily quota is spent (the client stops with
    ``QuotaExhaustedError``); otherwise a rate limit: wait and retry. ``retry_after`` in seconds when the
    server said so."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        server_now: datetime | None = None,
        daily: bool = False,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after
        self.server_now = server_now
        self.daily = daily


class TokenExpiredError(ApiError):
    """401 ``access_token_invalid``: refresh the token once and replay the request."""


class AuthError(ApiError):
    """Credentials refused (bad client key/secret, bad token, scope missing, subscription). Never retried."""


class InvalidInputError(ApiError):
    """A request the API refuses as malformed. Never retried; ``parameter`` names what is wrong."""

    def __init__(self, message: str, *, parameter: str | None = None, **kw: object) -> None:
        self.parameter = parameter
        if parameter and parameter not in message:
            message = f"{message} (parameter: {parameter})"
        super().__init__(message, **kw)  # type: ignore[arg-type]


class QuotaExhaustedError(ApiError):
    """The daily quota (or the configured budget) is spent. ``resets_at``: next 00:00 UTC."""

    def __init__(self, message: str, *, resets_at: datetime, bucket: str = "", **kw: object) -> None:
        self.resets_at = resets_at
        self.bucket = bucket
        super().__init__(f"{message}; resets at {resets_at.isoformat()}", **kw)  # type: ignore[arg-type]


class BudgetExceededError(QuotaExhaustedError):
    """Refused locally, before sending: the request would exceed the configured daily budget."""


class UserUnavailableError(ApiError):
    """The account cannot be read: ``reason`` is ``private``, ``not_found`` or ``refused``. This is a fact
    about the account, recorded as such, never an empty result."""

    def __init__(self, username: str, reason: UnavailableReason, message: str = "", **kw: object) -> None:
        self.username = username
        self.reason: UnavailableReason = reason
        super().__init__(f"user {username!r} unavailable ({reason}){': ' + message if message else ''}", **kw)  # type: ignore[arg-type]


class CursorStuckError(ApiError):
    """A page said "more" but handed back the cursor we sent: stop rather than loop forever."""


def next_utc_midnight(now: datetime | None = None) -> datetime:
    """When a daily quota resets: the next 00:00 UTC after ``now`` (default: the current time)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
