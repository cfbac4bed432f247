"""The Research API gateway: the token endpoint, the envelope, auth and scope, quotas and research faults.

The endpoint handlers (``endpoints``) are pure; this module wraps them the way the real gateway does, in the
real order: route, method, token, scope, per-minute and daily quotas, faults, then the handler.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson

from tiktok_assets.sandbox.research import hostile
from tiktok_assets.sandbox.research.context import ApiError, Ctx
from tiktok_assets.sandbox.research.endpoints import ENDPOINTS, PAGED
from tiktok_assets.sandbox.research.render import FieldError
from tiktok_assets.sandbox.research.search_store import SearchStore
from tiktok_assets.sandbox.research.tokens import APPS, CLIENT_SECRET, SCOPE, TokenStore
from tiktok_assets.sandbox.server.contract import SandboxRequest, SandboxResponse
from tiktok_assets.sandbox.server.faults import FaultPlan
from tiktok_assets.sandbox.server.limits import Limits, QuotaBook
from tiktok_assets.sandbox.server.stats import StatsBook
from tiktok_assets.sandbox.world import World
from tiktok_assets.sandbox.world.hashing import h64

PREFIX = "/v2/research/"
TOKEN_PATH = "/v2/oauth/token/"
API = "research"


_WENT_WRONG = "Something went wrong. Please try again later."
# The two 429s. Per-minute: code and message of TikTok's error-handling and rate-limit pages (doc). Daily
# quota: its own code and message, as public collectors check for it (field; reference/research-api.md has
# both as rate_limit_exceeded — clients must survive that too). Neither documents a Retry-After: none sent.
RATE_LIMITED = (429, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.")
DAILY_QUOTA = (
    429,
    "daily_quota_limit_exceeded",
    "The API daily quota limit exceeded. Please try again later",
)


def _span_days(body: Any) -> int:
    """Days between start_date and end_date of a video query body (0 when absent or malformed)."""
    try:
        start = datetime.strptime(body["start_date"], "%Y%m%d")
        end = datetime.strptime(body["end_date"], "%Y%m%d")
    except (TypeError, KeyError, ValueError):
        return 0
    return max(0, min((end - start).days, 30))


def log_id(seed: int, n: int, now: int) -> str:
    """``YYYYMMDDHHMMSS`` + 20 hex digits, like the real ``log_id``."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%S")
    return stamp + f"{h64(seed, 0x106, n):016X}{h64(seed, 0x107, n) & 0xFFFF:04X}"


def envelope(data: Any, code: str, message: str, lid: str) -> dict[str, Any]:
    return {"data": data, "error": {"code": code, "message": message, "log_id": lid}}


class ResearchService:
    """Mounted by the server at ``/v2/``; ``handle`` never raises for a client mistake."""

    def __init__(
        self,
        world: World,
        now_fn: Callable[[], int],
        limits: Limits,
        quotas: QuotaBook,
        stats: StatsBook,
        faults: FaultPlan,
    ) -> None:
        self.world, self.now_fn, self.limits = world, now_fn, limits
        self.quotas, self.stats, self.faults = quotas, stats, faults
        self.tokens = TokenStore(world.seed)
        self.searches = SearchStore(world.seed)

    # ---------------------------------------------------------------- token
    def token(self, req: SandboxRequest, n: int) -> SandboxResponse:
        now = self.now_fn()
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        lid = log_id(self.world.seed, n, now)

        def oauth_error(status: int, error: str, description: str) -> SandboxResponse:
            # OAuth shape, not the research envelope (doc). HTTP status: open; chosen 400/401.
            return SandboxResponse.json(
                status, {"error": error, "error_description": description, "log_id": lid}
            )

        if req.method != "POST":
            return oauth_error(400, "invalid_request", "Only POST is supported")
        if not form.get("client_key") or not form.get("client_secret"):
            return oauth_error(400, "invalid_request", "client_key and client_secret are required")
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form["client_key"] not in APPS or form["client_secret"] != CLIENT_SECRET:
            return oauth_error(401, "invalid_client", "Client key or secret is invalid")
        ttl = self.limits.token_ttl_seconds
        scope = APPS[form["client_key"]]
        token = self.tokens.issue(now, ttl, scope)
        return SandboxResponse.json(
            200,
            {"access_token": token, "expires_in": ttl, "token_type": "Bearer", "scope": scope or ""},
        )

    # ---------------------------------------------------------------- data
    def handle(self, req: SandboxRequest, n: int) -> SandboxResponse:
        """``n`` is the server's request number (drives deterministic faults and log ids)."""
        now = self.now_fn()
        lid = log_id(self.world.seed, n, now)
        path = req.path[len(PREFIX) :] if req.path.startswith(PREFIX) else req.path
        if not path.endswith("/"):
            path += "/"  # tolerated: every documented path has the trailing slash

        def error(status: int, code: str, message: str) -> SandboxResponse:
            return SandboxResponse.json(status, envelope({}, code, message, lid))

        if path not in ENDPOINTS:
            return error(404, "invalid_params", f"Unknown endpoint /v2/research/{path}")
        handler, bucket = ENDPOINTS[path]
        if req.method != "POST":
            return error(405, "invalid_params", "Only POST is supported")
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not self.tokens.valid(token.strip(), now):
            return error(
                401, "access_token_invalid", "Access token is invalid, please refresh token and retry"
            )
        # Scope is checked before quotas: a refused app costs nothing (open; chosen so).
        scope = self.tokens.scope(token.strip())
        if scope is None:
            return error(
                401,
                "scope_not_authorized",
                f"The app is not authorized for scope {SCOPE}: research access is not approved",
            )
        if SCOPE not in scope.split(","):
            return error(400, "scope_permission_missed", f"Scope {SCOPE} is missing from the access token")

        # Per-minute, then the daily quota: each has its own 429 (RATE_LIMITED, DAILY_QUOTA).
        if not self.quotas.take_minute(API, now, self.limits.per_minute):
            return error(*RATE_LIMITED)
        if bucket != "other":
            used = self.quotas.used(API, bucket, now)
            req_cap, rec_cap = self._caps(bucket)
            if used["requests"] >= req_cap or used["records"] >= rec_cap:
                return error(*DAILY_QUOTA)

        f = self.faults
        if f.hits("rate_limit", n):
            self.stats.fault("rate_limit")
            return error(*RATE_LIMITED)
        if f.hits("gateway_timeout_html", n):
            self.stats.fault("gateway_timeout_html")
            return SandboxResponse(
                504,
                b"<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out"
                b"</h1></center></body></html>",
                "text/html",
            )
        # From here the request reached the backend: it costs a request of the daily quota, whatever the
        # answer (400s included: open; chosen so, as "quota is money" and clients must validate first).
        self.quotas.add(API, bucket, now, requests=1)
        try:
            body = req.json()
        except orjson.JSONDecodeError:
            return error(400, "invalid_params", "Invalid request body: not valid JSON")
        # Field: 500s are more frequent for long date ranges: the probability grows up to 2x at 30 days.
        scale = 1.0 + _span_days(body) / 30.0 if path == "video/query/" else 1.0
        if f.hits("internal_error", n, scale):
            self.stats.fault("internal_error")
            message = "Server Internal Error" if f.draw("internal_error", n) < 0.3 else _WENT_WRONG
            return error(500, "internal_error", message)
        if f.hits("internal_error_400", n):
            # Field: the same failure also arrives as a 400 (code open: invalid_params, as the table says).
            self.stats.fault("internal_error_400")
            return error(400, "invalid_params", _WENT_WRONG)
        if (
            path in PAGED
            and isinstance(body, dict)
            and body.get("cursor") not in (None, "", 0, "0")
            and f.hits("invalid_cursor", n)
        ):
            # Field: mid-pagination, on a valid cursor; retrying the same request succeeds.
            self.stats.fault("invalid_cursor")
            return error(400, "invalid_params", "Invalid count or cursor")

        ctx = Ctx(
            world=self.world,
            now=now,
            limits=self.limits,
            searches=self.searches,
            search_id_lag=f.value("search_id_lag"),
            wall=time.monotonic,
            random_seed=h64(self.world.seed, n),
            fields_raw=req.param("fields"),
        )
        try:
            page = handler(ctx, body)
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        except FieldError as exc:
            return error(400, "invalid_params", str(exc))
        self.quotas.add(API, bucket, now, records=page.records)
        self.stats.records(f"research {PREFIX}{path}", page.records)
        placed = hostile.mark(page.data, f) if hostile.active(f) else {}
        for kind, n in placed.items():
            self.stats.fault(kind, n)
        if placed:
            resp = SandboxResponse.json(200, envelope(page.data, "ok", "", lid))
            resp.body = hostile.finish_body(resp.body)
            return resp
        return SandboxResponse.json(200, envelope(page.data, "ok", "", lid))

    def _caps(self, bucket: str) -> tuple[int, int]:
        lim = self.limits
        if bucket == "follow":
            return lim.research_follow_daily_requests, lim.research_follow_daily_records
        return lim.research_daily_requests, lim.research_daily_records
