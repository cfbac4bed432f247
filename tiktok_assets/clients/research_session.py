"""One Research API request: credentials → bearer token, the quota ledger, and daily-or-per-minute on a 429.

``ResearchSession`` is the base of ``ResearchClient``: it holds the client's settings and sends one endpoint
call (``_post``); the endpoint methods (``research.py``) and the video search (``research_search.py``) are
built on it.

Token: client credentials → a bearer token, fetched on first use and refreshed 5 minutes before it expires
(or once when a request is refused as ``access_token_invalid``).

Quota: every data request is reserved in the ledger (bucket ``video`` for video/query and the comment list,
``follow`` for followers/following, ``other`` for the rest) before it is sent, so a configured daily budget
is never overrun; a 429 is given back (the server refused it before counting it).

Per-minute 429 or daily quota? Both arrive as 429 ``rate_limit_exceeded`` (field). Decided in this order:
1. the message says "daily"/"quota" → daily (the live wording is undocumented; the sandbox says so);
2. the ledger's count for the day, with this request, reaches the daily budget → daily;
3. otherwise per-minute: wait (``Retry-After``, else ``rate_limit_wait`` × n) up to
   ``RetryPolicy.rate_limit_attempts`` times; still refused → daily (another user of the same research
   project may have spent it: quotas are per project).
Daily ends as ``QuotaExhaustedError`` with ``resets_at`` = the next 00:00 UTC by the client's ``clock``
(injectable; a real server's clock agrees within seconds, and the sandbox's ``Date`` header is wall time,
not its controllable clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx

from tiktok_assets.clients import research_errors
from tiktok_assets.clients.errors import QuotaExhaustedError, RateLimitedError, next_utc_midnight
from tiktok_assets.clients.quota import Budget, QuotaLedger, Reservation
from tiktok_assets.clients.redaction import Secret, register_secret
from tiktok_assets.clients.research_endpoints import API, DEFAULT_BUDGETS, Endpoint
from tiktok_assets.clients.transport import RetryPolicy, Transport, TransportClient


class ResearchSession(TransportClient):
    """The client's settings and one endpoint request (``_post``); ``ResearchClient`` adds the endpoints."""

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        base_url: str = "https://open.tiktokapis.com",
        ledger: QuotaLedger | None = None,
        budget: Mapping[str, Budget] | int | None = None,
        http_timeout: float = 120.0,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        max_in: int = 100,
        comments_reachable: int = 1_000,
        exact_resume: bool = True,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key = Secret(client_key)
        self._secret = Secret(client_secret)
        self.base_url = base_url.rstrip("/")
        self.ledger = ledger
        # An int is the video bucket's daily requests (the one budget most callers care about).
        if isinstance(budget, int):
            budget = {
                **DEFAULT_BUDGETS,
                "video": Budget(requests=budget, records=DEFAULT_BUDGETS["video"].records),
            }
        self.budgets = dict(DEFAULT_BUDGETS if budget is None else budget)
        self.clock = clock
        self.max_in = max_in
        self.comments_reachable = comments_reachable
        # Resume with an extra `video_id LT <oldest>` condition (exact: no page refetched). The operation is
        # open for video_id in the reference; on rejection the client falls back to day granularity.
        self.exact_resume = exact_resume
        self.max_restarts = 5
        self.transport = Transport(
            API, self.base_url, timeout=http_timeout, policy=policy, http_transport=http_transport
        )
        self._token: Secret | None = None
        self._token_expires = 0.0
        self.token_fetches = 0

    # -- token -----------------------------------------------------------------------------------------------
    def _fetch_token(self) -> None:
        sent = self.transport.send(
            "POST",
            "v2/oauth/token/",
            research_errors.classify_token,
            data={
                "client_key": self._key.get(),
                "client_secret": self._secret.get(),
                "grant_type": "client_credentials",
            },
            headers={"content-type": "application/x-www-form-urlencoded", "cache-control": "no-cache"},
        )
        self.token_fetches += 1
        token = str(sent.value["access_token"])
        register_secret(token)
        self._token = Secret(token)
        # Refresh 5 minutes early so a long page iteration never sends a token about to expire.
        self._token_expires = self.clock() + max(60.0, float(sent.value.get("expires_in", 7200)) - 300)

    def _auth_headers(self, force: bool = False) -> dict[str, str]:
        if force or self._token is None or self.clock() >= self._token_expires:
            self._fetch_token()
        assert self._token is not None
        return {"authorization": f"Bearer {self._token.get()}"}

    # -- one request -----------------------------------------------------------------------------------------
    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def _post(
        self, ep: Endpoint, body: Mapping[str, Any], fields: str | None = None, username: str | None = None
    ) -> tuple[dict[str, Any], int]:
        """``data`` of one endpoint call and the requests it cost."""
        path = f"v2/research/{ep.path}/"
        budget = self.budgets.get(ep.bucket)
        reservations: list[Reservation] = []

        def before() -> None:
            if self.ledger is not None:
                reservations.append(self.ledger.reserve(API, ep.bucket, budget=budget, day=self._today()))

        def after(response: httpx.Response | None) -> None:
            if (
                self.ledger is not None
                and reservations
                and response is not None
                and response.status_code == 429
            ):
                self.ledger.release(reservations.pop())  # refused before it was counted

        def on_rate_limit(err: RateLimitedError, count: int) -> None:
            now = datetime.fromtimestamp(self.clock(), UTC)  # our clock: see the module docstring
            # A message that says "daily"/"quota" settles it (the live API's wording is not documented).
            reason = "the message says so" if any(w in str(err).lower() for w in ("daily", "quota")) else ""
            # The refused request was given back to the ledger; had it counted, would the day be spent?
            if (
                not reason
                and self.ledger is not None
                and budget is not None
                and budget.requests is not None
                and self.ledger.used(API, ep.bucket, now).requests + 1 >= budget.requests
            ):
                reason = "the ledger's count for the day reaches the budget"
            if not reason and count > self.transport.policy.rate_limit_attempts:
                reason = f"still refused after {count - 1} per-minute waits"
            if reason:
                raise QuotaExhaustedError(
                    f"daily quota of bucket {ep.bucket!r} exhausted (429 rate_limit_exceeded; {reason})",
                    resets_at=next_utc_midnight(now),
                    bucket=ep.bucket,
                    api=API,
                    endpoint=ep.path,
                    status=429,
                    code="rate_limit_exceeded",
                )

        def classify(response: httpx.Response) -> dict[str, Any]:
            return research_errors.classify(response, endpoint=ep.path, body=body, username=username)

        sent = self.transport.send(
            "POST",
            path,
            classify,
            params={"fields": fields} if fields else None,
            json_body=dict(body),
            headers=self._auth_headers(),
            before_attempt=before,
            after_attempt=after,
            on_rate_limit=on_rate_limit,
            refresh=lambda: self._auth_headers(force=True),
        )
        if self.ledger is not None and reservations:
            records = sent.value.get(ep.records_key) if ep.records_key else None
            self.ledger.settle(reservations[-1], records=len(records) if isinstance(records, list) else 1)
        return sent.value, sent.attempts
