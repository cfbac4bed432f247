"""ResearchClient over a mock transport with recorded payloads: paging, token, retries, quota decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tiktok_assets.clients.errors import (
    AuthError,
    BudgetExceededError,
    InvalidInputError,
    QuotaExhaustedError,
)
from tiktok_assets.clients.quota import Budget, QuotaLedger
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy

FIX = Path(__file__).parent / "fixtures"
Q = {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US"]}]}
TOKEN = {"access_token": "clt.sekrit-token-123456", "expires_in": 7200, "token_type": "Bearer"}


class Api:
    """A scripted server: the token endpoint answers, data requests pop scripted responses in order."""

    def __init__(self, script: list[Callable[[httpx.Request], httpx.Response] | httpx.Response]) -> None:
        self.script = list(script)
        self.data_requests: list[httpx.Request] = []
        self.token_requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/oauth/token/":
            self.token_requests += 1
            return httpx.Response(200, json=TOKEN)
        self.data_requests.append(request)
        item = self.script.pop(0)
        return item(request) if callable(item) else item


def fixture(name: str) -> httpx.Response:
    return httpx.Response(
        200, content=(FIX / name).read_bytes(), headers={"content-type": "application/json"}
    )


def err(status: int, code: str, message: str = "") -> httpx.Response:
    return httpx.Response(
        status, json={"data": {}, "error": {"code": code, "message": message, "log_id": "l"}}
    )


def client(api: Api, sleeps: list[float] | None = None, **kw: Any) -> ResearchClient:
    policy = RetryPolicy.fast(sleep=(sleeps.append if sleeps is not None else None))
    return ResearchClient(
        "key-abcdef",
        "secret-abcdef",
        "https://research.test",
        policy=policy,
        http_transport=httpx.MockTransport(api),
        **kw,
    )


def test_recorded_pages_followed_to_the_end_with_exact_ids() -> None:
    api = Api(
        [
            fixture("c4d_api_videos_response_page_1_of_2.json"),
            fixture("c4d_api_videos_response_page_2_of_2.json"),
        ]
    )
    pages = list(client(api).iter_videos(Q, "20240101", "20240130"))
    assert [len(p.records) for p in pages] == [27, 27]  # a short page (27 of cursor 100) is not the end
    assert pages[0].has_more and not pages[1].has_more
    first = orjson.loads(api.data_requests[0].content)
    second = orjson.loads(api.data_requests[1].content)
    assert "search_id" not in first and "cursor" not in first
    assert second["search_id"] == "7354367454467855403" and second["cursor"] == 100
    assert second["query"] == first["query"] and second["start_date"] == "20240101"
    ids = [v["id"] for p in pages for v in p.records]
    assert all(isinstance(i, int) for i in ids)
    assert 7320768196569599275 in ids and 73207681965695992750 in ids  # 20 digits: beyond 64 bits, exact
    assert api.token_requests == 1  # cached, not one per request
    assert "fields=id%2C" in str(api.data_requests[0].url)


def test_nul_bytes_stripped() -> None:
    api = Api([fixture("c4d_api_videos_response_unicode_with_null_bytes.json")])
    (page,) = list(client(api).iter_videos(Q, "20241101", "20241110"))
    assert all("\x00" not in v.get("username", "") for v in page.records)


def test_bad_input_sends_nothing() -> None:
    api = Api([])
    c = client(api)
    with pytest.raises(InvalidInputError, match="end_date") as info:
        list(c.iter_videos(Q, "20260101", "20260301"))
    assert info.value.parameter == "end_date"
    with pytest.raises(InvalidInputError, match="field_values"):
        list(
            c.iter_videos(
                {"and": [{"operation": "IN", "field_name": "username", "field_values": ["a"] * 101}]},
                "20260101",
                "20260102",
            )
        )
    with pytest.raises(InvalidInputError, match="field_name"):
        list(
            c.iter_videos(
                {"and": [{"operation": "IN", "field_name": "user", "field_values": ["a"]}]},
                "20260101",
                "20260102",
            )
        )
    with pytest.raises(InvalidInputError, match="fields"):
        list(c.iter_videos(Q, "20260101", "20260102", fields=["nope"]))
    assert api.data_requests == [] and api.token_requests == 0


@pytest.mark.parametrize(
    ("condition", "parameter", "problem"),
    [
        (("GT", "view_count", ["1", "2"]), "query.and[0].field_values", "GT takes exactly one value, got 2"),
        (("EQ", "video_id", ["abc"]), "query.and[0].field_values[0]", "video_id takes a whole number"),
        (("GTE", "view_count", ["ten"]), "query.and[0].field_values[0]", "view_count takes a whole number"),
        (("EQ", "region_code", ["USA"]), "query.and[0].field_values[0]", "region_code takes a two-letter code"),
        (("GTE", "create_date", ["2026-06-01"]), "query.and[0].field_values[0]", "create_date takes a day as YYYYMMDD"),
        (("EQ", "create_date", ["20260230"]), "query.and[0].field_values[0]", "create_date takes a day as YYYYMMDD"),
        (("IN", "video_length", ["SHORT", "MEDIUM"]), "query.and[0].field_values[1]", "video_length is one of"),
    ],
)  # fmt: skip
def test_a_value_the_api_would_refuse_is_named_and_sends_nothing(
    condition: tuple[str, str, list[str]], parameter: str, problem: str
) -> None:
    """Each of these used to cost a request of the day's video quota (the API's 400), on every scheduled run."""
    api = Api([])
    op, field, values = condition
    query = {"and": [{"operation": op, "field_name": field, "field_values": values}]}
    with pytest.raises(InvalidInputError, match=problem) as info:
        list(client(api).iter_videos(query, "20260101", "20260102"))
    assert info.value.parameter == parameter
    assert api.data_requests == [] and api.token_requests == 0


def test_every_documented_value_form_passes() -> None:
    from tiktok_assets.clients.research_query import validate_query

    query = {"and": [
        {"operation": "IN", "field_name": "video_length", "field_values": ["SHORT", "MID", "LONG", "EXTRA_LONG"]},
        {"operation": "GTE", "field_name": "create_date", "field_values": ["20240229"]},
        {"operation": "IN", "field_name": "region_code", "field_values": ["US", "gb"]},
        {"operation": "GT", "field_name": "view_count", "field_values": [1000]},
        {"operation": "EQ", "field_name": "video_id", "field_values": ["7646269395907381248"]},
    ]}  # fmt: skip
    assert validate_query(query)["and"][3]["field_values"] == ["1000"]


def test_retries_are_counted_and_bounded() -> None:
    html = httpx.Response(504, content=b"<html>gateway</html>", headers={"content-type": "text/html"})
    truncated = httpx.Response(
        200, content=(FIX / "c4d_api_videos_response_page_2_of_2.json").read_bytes()[:300]
    )
    sleeps: list[float] = []
    api = Api(
        [
            err(500, "internal_error"),
            html,
            truncated,
            err(400, "invalid_params", "Invalid count or cursor"),
            fixture("c4d_api_videos_response_page_2_of_2.json"),
        ]
    )
    c = client(api, sleeps)
    (page,) = list(c.iter_videos(Q, "20240101", "20240130"))
    assert page.requests == 5 and len(page.records) == 27
    assert len(sleeps) == 4 and sleeps == sorted(sleeps)  # exponential backoff
    api = Api([err(500, "internal_error")] * 100)
    with pytest.raises(Exception, match="internal_error"):
        list(client(api).iter_videos(Q, "20240101", "20240130"))
    assert len(api.data_requests) == RetryPolicy().max_attempts


def test_token_refreshed_once_on_401() -> None:
    api = Api([err(401, "access_token_invalid"), fixture("c4d_api_videos_response_page_2_of_2.json")])
    list(client(api).iter_videos(Q, "20240101", "20240130"))
    assert api.token_requests == 2
    api = Api([err(401, "access_token_invalid"), err(401, "access_token_invalid")])
    with pytest.raises(AuthError):
        list(client(api).iter_videos(Q, "20240101", "20240130"))
    assert api.token_requests == 2 and len(api.data_requests) == 2


def test_429_rate_limit_waits_with_growing_backoff_then_calls_it_daily_after_a_window() -> None:
    sleeps: list[float] = []
    api = Api([err(429, "rate_limit_exceeded"), fixture("c4d_api_videos_response_page_2_of_2.json")])
    list(client(api, sleeps).iter_videos(Q, "20240101", "20240130"))
    assert len(api.data_requests) == 2 and len(sleeps) == 1
    # 429s that outlast a per-minute window (RetryPolicy.daily_after seconds of waiting) are the daily quota.
    sleeps = []
    policy = RetryPolicy.named("standard", max_delay=40.0, jitter=0.0, sleep=sleeps.append)
    api = Api([err(429, "rate_limit_exceeded")] * 20)
    c = ResearchClient(
        "k", "s", "https://research.test", policy=policy, http_transport=httpx.MockTransport(api)
    )
    with pytest.raises(QuotaExhaustedError) as info:
        list(c.iter_videos(Q, "20240101", "20240130"))
    assert sleeps == sorted(sleeps) and sleeps[0] < 2  # starting short, growing
    assert sum(sleeps[:-1]) < 90 <= sum(sleeps)
    assert info.value.resets_at.hour == 0


def test_429_interleaved_with_other_faults_is_not_the_daily_quota() -> None:
    """Ordinary rate limiting among other faults: every 429 of one request does not add up to "daily"."""
    ok = fixture("c4d_api_videos_response_page_2_of_2.json")
    api = Api([err(429, "rate_limit_exceeded"), err(500, "internal_error")] * 6 + [ok])
    (page,) = list(client(api).iter_videos(Q, "20240101", "20240130"))
    assert page.requests == 13 and len(page.records) == 27


@pytest.mark.parametrize(
    "code, message",
    [
        ("daily_quota_limit_exceeded", "The API daily quota limit exceeded. Please try again later"),
        ("rate_limit_exceeded", "Daily quota limit exceeded"),  # both limits as rate_limit_exceeded
    ],
)
def test_429_daily_quota_stops_at_once_and_reconciles_the_ledger(
    tmp_path: Path, code: str, message: str
) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
    api = Api([fixture("c4d_api_videos_response_page_1_of_2.json"), err(429, code, message)])
    c = client(api, ledger=ledger, budget={"video": Budget(requests=900)}, clock=lambda: 1_781_524_800.0)
    with pytest.raises(QuotaExhaustedError) as info:
        list(c.iter_videos(Q, "20240101", "20240130"))
    assert len(api.data_requests) == 2 and info.value.resets_at.isoformat() == "2026-06-16T00:00:00+00:00"
    # The server says the day is spent: the ledger books the whole budget, so no process sends more today.
    assert ledger.used("research", "video", date(2026, 6, 15)).requests == 900
    assert ledger.used("research", "video", date(2026, 6, 15)).records == 27
    with pytest.raises(BudgetExceededError):
        list(client(Api([]), ledger=ledger, budget={"video": Budget(requests=900)}, clock=lambda: 1_781_524_800.0).iter_videos(Q, "20240101", "20240130"))  # fmt: skip


def test_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    limited = httpx.Response(
        429, json={"data": {}, "error": {"code": "rate_limit_exceeded", "message": "", "log_id": "l"}},
        headers={"retry-after": "0.25"},
    )  # fmt: skip
    api = Api([limited, fixture("c4d_api_videos_response_page_2_of_2.json")])
    list(client(api, sleeps).iter_videos(Q, "20240101", "20240130"))
    assert sleeps == [0.25]


def test_token_refreshed_before_expiry() -> None:
    now = [1_000_000.0]
    api = Api([fixture("c4d_api_videos_response_page_2_of_2.json")] * 3)
    c = client(api, clock=lambda: now[0])
    list(c.iter_videos(Q, "20240101", "20240130"))
    now[0] += 3600
    list(c.iter_videos(Q, "20240101", "20240130"))
    assert api.token_requests == 1  # still valid: reused
    now[0] += 7200 - 3600 - 200  # inside the last 5 minutes of its 2 hours: refreshed before sending
    list(c.iter_videos(Q, "20240101", "20240130"))
    assert api.token_requests == 2 and len(api.data_requests) == 3  # no 401 round trip was needed


def test_int_budget_is_the_video_bucket(tmp_path: Path) -> None:
    ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
    api = Api([fixture("c4d_api_videos_response_page_1_of_2.json")])
    c = client(api, ledger=ledger, budget=1)
    with pytest.raises(BudgetExceededError):
        list(c.iter_videos(Q, "20240101", "20240130"))
    assert len(api.data_requests) == 1


def bodies(api: Api) -> list[dict[str, Any]]:
    return [orjson.loads(r.content) for r in api.data_requests]


def test_resume_falls_back_to_day_granularity_when_the_id_bound_is_refused() -> None:
    from tiktok_assets.clients.pages import ResumeState

    refuse = err(400, "invalid_params", "Operation LT is not supported for field video_id")
    api = Api([refuse, fixture("c4d_api_videos_response_page_2_of_2.json")])
    c = client(api)
    oldest = 7320768196569599275  # id >> 32 = 1704499196: 2024-01-05 23:59:56 UTC
    pages = list(c.iter_videos(Q, "20240101", "20240130", resume=ResumeState(oldest)))
    first, second = bodies(api)
    assert first["query"]["and"][-1] == {
        "operation": "LT",
        "field_name": "video_id",
        "field_values": [str(oldest)],
    }
    assert first["end_date"] == second["end_date"] == "20240105"  # narrowed to the oldest stored day
    assert all(cond["field_name"] != "video_id" for cond in second["query"]["and"])
    assert all(v["id"] < oldest for p in pages for v in p.records)
    assert sum(p.skipped for p in pages) == sum(
        1
        for v in orjson.loads((FIX / "c4d_api_videos_response_page_2_of_2.json").read_bytes())["data"][
            "videos"
        ]
        if v["id"] >= oldest
    )
    assert c.exact_resume is False


def test_expired_search_id_mid_search_resumes_without_it() -> None:
    stale = err(400, "invalid_params", "Search Id 7354367454467855403 is invalid or expired")
    policy_attempts = RetryPolicy().search_id_attempts
    api = Api(
        [
            fixture("c4d_api_videos_response_page_1_of_2.json"),
            *[stale] * policy_attempts,
            fixture("c4d_api_videos_response_page_2_of_2.json"),
        ]
    )
    pages = list(client(api).iter_videos(Q, "20240101", "20240130"))
    sent = bodies(api)
    restart = sent[-1]
    assert "search_id" not in restart  # a new search, not the stale id again
    oldest = min(v["id"] for v in pages[0].records)
    assert restart["query"]["and"][-1]["field_values"] == [str(oldest)]
    assert len(pages) == 2 and len(sent) == 2 + policy_attempts
