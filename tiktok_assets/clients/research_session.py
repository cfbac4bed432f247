"""One Research API request: credentials → bearer token, the quota ledger, and daily-or-per-minute on a 429.

``ResearchSession`` is the base of ``ResearchClient``: it holds the client's settings and sends one endpoint
call (``_post``); the endpoint methods (``research.py``) and the video search (``research_search.py``) are
built on it.

Token: client credentials → a bearer token, fetched on first use and refreshed 5 minutes before it expires
(or once when a request is refused as ``access_token_invalid``).

Quota: every data request is reserved in the ledger (bucket ``video`` for video/query and the comment list,
``follow`` for followers/following, ``other`` for the rest) before it is sent, so a configured daily budget
is never overrun, then booked by what the API is known to count (``quota.py``): a 429 is given back, an
attempt without an answer (reset, time-out) or with the gateway's HTML 504 stays booked as uncertain.

Rate limit or daily quota (``research_errors``): a 429 the API marks as the daily quota (``daily``) stops at
once with ``QuotaExhaustedError`` and reconciles the ledger (the day is spent for every process sharing it).
A plain ``rate_limit_exceeded`` is the per-minute limit: waited out with the policy's backoff (or the
server's ``Retry-After``); 429s still arriving after ``RetryPolicy.daily_after`` seconds of waiting in a row
outlast any per-minute window and are taken as the daily quota (the reference has both limits arrive as
``rate_limit_exceeded``; another user of the project may have spent it). ``resets_at`` is the next 00:00 UTC
by the client's ``clock``: injectable, by default the server's (its ``Date`` header: ``Transport.server_now``;
the sandbox's tells its controllable clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import httpx

from tiktok_assets.clients import research_errors
from tiktok_assets.clients.errors import QuotaExhaustedError, RateLimitedError, next_utc_midnight
from tiktok_assets.clients.quota import Budget, QuotaLedger, Reservation
from tiktok_assets.clients.redaction import Secret, register_secret
from tiktok_assets.clients.research_endpoints import API, DEFAULT_BUDGETS, Endpoint
from tiktok_assets.clients.responses import TextRepairs
from tiktok_assets.clients.transport import RetryPolicy, Transport, TransportClient


class Reply(NamedTuple):
    """One endpoint call's ``data``, the HTTP requests it cost and the bad characters repaired in it."""

    data: dict[str, Any]
    requests: int
    repaired: int = 0


def counted_by_server(response: httpx.Response | None) -> bool | None:
    """Whether the Research API counts an attempt against the daily quota: True for an answer of the
    backend (500s included, field), False for a 429 (refused before counting), None when unknown (no
    answer, or the gateway's HTML page: it may have timed out after the backend counted the request)."""
    if response is None or "html" in response.headers.get("content-type", ""):
        return None
    return response.status_code != 429


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
        clock: Callable[[], float] | None = None,
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
        self.max_in = max_in
        self.comments_reachable = comments_reachable
        # Resume with an extra `video_id LT <oldest>` condition (exact: no page refetched). The operation is
        # open for video_id in the reference; on rejection the client falls back to day granularity.
        self.exact_resume = exact_resume
        self.max_restarts = 5
        self.transport = Transport(
            API, self.base_url, timeout=http_timeout, policy=policy, http_transport=http_transport
        )
        # The quota day, resets_at and token expiry follow the server's clock unless told otherwise.
        self.clock = clock or self.transport.server_now
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
    ) -> Reply:
        """``data`` of one endpoint call, the requests it cost and the characters repaired in it."""
        path = f"v2/research/{ep.path}/"
        budget = self.budgets.get(ep.bucket)
        reservations: list[Reservation] = []
        repairs = TextRepairs()

        def before() -> None:
            if self.ledger is not None:
                reservations.append(self.ledger.reserve(API, ep.bucket, budget=budget, day=self._today()))

        def after(response: httpx.Response | None) -> None:
            if self.ledger is None or not reservations:
                return
            counted = counted_by_server(response)
            if counted is False:
                self.ledger.release(reservations.pop())
            elif counted is None:
                self.ledger.mark_uncertain(reservations[-1])

        def on_rate_limit(err: RateLimitedError, waited: float) -> None:
            if not err.daily and waited < self.transport.policy.daily_after:
                return  # the per-minute limit: wait and retry
            now = datetime.fromtimestamp(self.clock(), UTC)  # our clock: see the module docstring
            why = (
                "the API says so" if err.daily else f"429s for {waited:.0f}s, longer than a per-minute window"
            )
            if self.ledger is not None:
                self.ledger.reconcile_exhausted(API, ep.bucket, budget, now)
            raise QuotaExhaustedError(
                f"daily quota of bucket {ep.bucket!r} exhausted (429 {err.code}: {why})",
                resets_at=next_utc_midnight(now),
                bucket=ep.bucket,
                api=API,
                endpoint=ep.path,
                status=429,
                code=err.code,
            )

        def classify(response: httpx.Response) -> dict[str, Any]:
            repairs.count = 0  # the answer that is kept is the last one
            return research_errors.classify(
                response, endpoint=ep.path, body=body, username=username, repairs=repairs
            )

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
        return Reply(sent.value, sent.attempts, repairs.count)
