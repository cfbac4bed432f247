"""HTTP for every client: one pooled ``httpx.Client`` per API and the retry loop.

The retry policy is decided by error class only (``errors.py``); the per-API modules turn a response into a
value or a typed error (their ``classify``), this module decides what happens next, within one named
``RetryPolicy`` (``backoff.py``: attempts and total wait per request, waits that start short and grow):

- ``RetryableError``: backoff with jitter (5xx, gateway HTML, resets, truncated JSON, …)
- ``SearchIdNotReadyError``: its own, growing wait (a fresh ``search_id`` is rejected for a few seconds)
- ``RateLimitedError``: the caller's ``on_rate_limit`` first (it may stop with ``QuotaExhaustedError``: the
  API said the day is spent, or 429s outlasted a per-minute window), then the server's ``Retry-After``, else
  the backoff
- ``TokenExpiredError``: the caller's ``refresh`` once, then replay; a second one is an ``AuthError``
- anything else (invalid input, auth, quota, unavailable user): raised at once, never retried.

Secrets (``redaction.py``): every ``Transport`` installs the log redaction, and a token that must travel in
the URL is added by ``redaction.InjectParams`` below httpx's request logging.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Self, TypeVar

import httpx
import orjson

from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.errors import (
    ApiError,
    Attempts,
    AuthError,
    InvalidInputError,
    RateLimitedError,
    RetryableError,
    SearchIdNotReadyError,
    TokenExpiredError,
)
from tiktok_assets.clients.redaction import InjectParams, Secret, install_log_redaction, redact
from tiktok_assets.clients.responses import server_time

T = TypeVar("T")


def lookup_endpoint(endpoints: Mapping[str, T], path: str, prefix: str, api: str) -> T:
    """The endpoint a user-given path names, with or without the API's path prefix and slashes."""
    key = path.strip("/").removeprefix(prefix).strip("/")
    try:
        return endpoints[key]
    except KeyError:
        raise InvalidInputError(
            f"unknown {api} endpoint {path!r}; known: {', '.join(endpoints)}", parameter="endpoint"
        ) from None


log = logging.getLogger(__name__)

__all__ = ["RetryPolicy", "Sent", "Transport", "TransportClient", "TransportStats", "lookup_endpoint"]


@dataclass(frozen=True)
class Sent(Generic[T]):
    """A classified response and what it cost: ``attempts`` HTTP requests (incl. retries)."""

    value: T
    attempts: int
    response: httpx.Response


@dataclass
class TransportStats:
    requests: int = 0
    retries: int = 0
    refreshes: int = 0
    rate_limit_waits: int = 0
    slept: float = 0.0
    by_error: dict[str, int] = field(default_factory=dict)


# --- the transport -----------------------------------------------------------------------------------------------


class Transport:
    """One ``httpx.Client`` (pooled, explicit timeouts) and the retry loop for one API."""

    def __init__(
        self,
        api: str,
        base_url: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        secret_params: Mapping[str, Secret] | None = None,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        install_log_redaction()
        self.log = log  # where retries are said; a run's resource sends them to the run's log (``log_to``)
        self.api = api
        self.policy = policy or RetryPolicy.from_env()
        self.stats = TransportStats()
        self._server_offset = 0.0
        inner = http_transport or httpx.HTTPTransport(retries=0)
        wire = InjectParams(inner, secret_params) if secret_params else inner
        self.client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
            headers=dict(headers or {}),
            transport=wire,
        )

    def __repr__(self) -> str:
        return f"Transport({self.api!r}, {str(self.client.base_url)!r})"

    def close(self) -> None:
        self.client.close()

    def _count(self, err: Exception) -> None:
        name = type(err).__name__
        self.stats.by_error[name] = self.stats.by_error.get(name, 0) + 1

    def _observe_clock(self, response: httpx.Response) -> None:
        at = server_time(response)
        if at is not None:
            self._server_offset = at.timestamp() + 0.5 - time.time()  # Date has whole seconds: the middle

    def server_now(self) -> float:
        """The server's clock (its last ``Date`` header, moved on by our own), Unix seconds; ours until it
        answered. Quota days reset at the server's midnight, and a sandbox may run at another time."""
        return time.time() + self._server_offset

    def _sleep(self, seconds: float) -> None:
        self.stats.slept += seconds
        self.policy.sleep(seconds)

    def send(
        self,
        method: str,
        path: str,
        classify: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        before_attempt: Callable[[], None] | None = None,
        after_attempt: Callable[[httpx.Response | None], None] | None = None,
        on_rate_limit: Callable[[RateLimitedError, float], None] | None = None,
        refresh: Callable[[], Mapping[str, str]] | None = None,
    ) -> Sent[T]:
        """Send until the classified value comes back or a non-retryable error is raised.

        ``before_attempt`` runs before every attempt (the ledger's reserve: may refuse with a budget error),
        ``after_attempt`` after it (settle; ``None`` when no response arrived). ``refresh`` returns fresh
        headers after a ``TokenExpiredError`` (once per call). ``on_rate_limit(error, seconds)`` sees every
        429 with the seconds already waited on the 429s in a row before it.
        """
        hdrs = dict(headers or {})
        content = orjson.dumps(json_body) if json_body is not None else None
        if content is not None:
            hdrs.setdefault("content-type", "application/json")
        policy = self.policy
        attempts = retries = search_waits = 0
        waited = 0.0  # all waits of this request (bounded by policy.max_total_wait)
        rate_streak = 0.0  # seconds waited since the first of the 429s in a row
        refreshed = False
        try:
            while True:
                if before_attempt is not None:
                    before_attempt()
                attempts += 1
                self.stats.requests += 1
                response: httpx.Response | None = None
                error: Exception | None = None
                try:
                    request = self.client.build_request(
                        method,
                        path.lstrip("/"),
                        params=params,
                        content=content,
                        data=data,
                        headers=hdrs,
                        timeout=httpx.USE_CLIENT_DEFAULT
                        if timeout is None
                        else httpx.Timeout(timeout, connect=10.0),
                    )
                    # Streamed, so the headers (units_charged) are seen even when the body then breaks off.
                    response = self.client.send(request, stream=True)
                    self._observe_clock(response)
                    try:
                        response.read()
                    finally:
                        response.close()
                    try:
                        return Sent(classify(response), attempts, response)
                    except (RetryableError, TokenExpiredError) as exc:
                        error = exc
                except httpx.TransportError as exc:  # resets, time-outs, refused connections, cut bodies
                    error = RetryableError(
                        f"network error: {type(exc).__name__}: {redact(exc)}", api=self.api, endpoint=path
                    )
                finally:
                    if after_attempt is not None:
                        after_attempt(response)
                self._count(error)
                self.log.debug("%s %s attempt %d failed: %s", self.api, path, attempts, error)
                if isinstance(error, TokenExpiredError):
                    if refreshed or refresh is None:
                        raise AuthError(
                            f"token refused after a refresh: {error}", api=self.api, endpoint=path, status=401
                        ) from None
                    refreshed = True
                    self.stats.refreshes += 1
                    hdrs.update(refresh())
                    continue
                assert isinstance(error, RetryableError)
                if isinstance(error, RateLimitedError):
                    if on_rate_limit is not None:
                        on_rate_limit(error, rate_streak)  # may raise QuotaExhaustedError
                    self.stats.rate_limit_waits += 1
                else:
                    rate_streak = 0.0
                if isinstance(error, SearchIdNotReadyError):
                    search_waits += 1
                    if search_waits >= policy.search_id_attempts:
                        raise error
                    wait = policy.search_id_wait * search_waits
                else:
                    retries += 1
                    if attempts >= policy.max_attempts:
                        self.log.warning(
                            "%s (attempt %d of %d): giving up", error, attempts, policy.max_attempts
                        )
                        raise error
                    server_says = error.retry_after if isinstance(error, RateLimitedError) else None
                    wait = server_says if server_says is not None else policy.backoff(retries)
                if waited + wait > policy.max_total_wait:
                    self.log.warning(
                        "%s (attempt %d): giving up, %.1f s waited of %.0f s",
                        error, attempts, waited, policy.max_total_wait,
                    )  # fmt: skip
                    raise error
                # INFO: a run's log shows why a step is slow, and what was retried.
                self.log.info(
                    "%s (attempt %d of %d); retrying in %.2f s", error, attempts, policy.max_attempts, wait
                )
                self.stats.retries += 1
                waited += wait
                if isinstance(error, RateLimitedError):
                    rate_streak += wait
                self._sleep(wait)
        except ApiError as exc:
            # What the failed call cost travels with its error (a refusal, retries given up, a quota stop):
            # callers book it, so a run's figures count every attempt the API saw, not only the answered ones.
            exc.attempts = Attempts(requests=attempts, units=exc.attempts.units)
            raise


class TransportClient:
    """What every API client over one ``Transport`` shares: ``close``, ``with`` support and the stats."""

    transport: Transport

    def close(self) -> None:
        self.transport.close()

    def log_to(self, logger: logging.Logger) -> Self:
        """Say retries and give-ups on ``logger`` (a run's: ``dagster.get_dagster_logger``); its records are
        redacted like the module's."""
        install_log_redaction(logger)
        self.transport.log = logger
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stats(self) -> TransportStats:
        return self.transport.stats
