"""Error classification (Research, EnsembleData) and redaction: pure functions over httpx.Response."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tiktok_assets.clients import ensembledata_endpoints as ensembledata
from tiktok_assets.clients import research_errors
from tiktok_assets.clients.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
    SearchIdNotReadyError,
    TokenExpiredError,
    UserUnavailableError,
    next_utc_midnight,
)
from tiktok_assets.clients.redaction import Secret, redact, register_secret


def envelope(code: str, message: str = "", data: Any = None) -> bytes:
    return orjson.dumps({"data": data or {}, "error": {"code": code, "message": message, "log_id": "L1"}})


def resp(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": content_type, **headers})


def rc(r: httpx.Response, **kw: Any) -> Any:
    return research_errors.classify(r, endpoint="video/query", **kw)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, "invalid_params", "Search Id 7354367454467855403 is invalid or expired", SearchIdNotReadyError),
        (400, "invalid_params", "Invalid count or cursor", RetryableError),
        (400, "invalid_params", "Something went wrong. Please try again later.", RetryableError),
        (500, "internal_error", "Server Internal Error", RetryableError),
        (
            401,
            "access_token_invalid",
            "Access token is invalid, please refresh token and retry",
            TokenExpiredError,
        ),
        (401, "scope_not_authorized", "no", AuthError),
        (400, "scope_permission_missed", "no", AuthError),
        (429, "rate_limit_exceeded", "", RateLimitedError),
        (
            400,
            "invalid_params",
            "Invalid end_date: it must be no more than 30 days after start_date",
            InvalidInputError,
        ),
    ],
)
def test_research_classes(status: int, code: str, message: str, expected: type) -> None:
    with pytest.raises(expected) as info:
        rc(resp(status, envelope(code, message)))
    assert type(info.value) is expected


def test_research_invalid_input_names_parameter_and_is_not_retryable() -> None:
    with pytest.raises(InvalidInputError) as info:
        rc(resp(400, envelope("invalid_params", "Invalid end_date: it must be no more than 30 days")))
    assert info.value.parameter == "end_date" and not isinstance(info.value, RetryableError)
    # The singular spelling some wrappers check is not what decides: the status and message do.
    with pytest.raises(InvalidInputError):
        rc(resp(400, envelope("invalid_param", "Invalid max_count")))


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("ghost_user is invalid: cannot find the user", "not_found"),
        ("API cannot return this user's information", "refused"),
        ("biki is private: the user's information cannot be returned", "private"),
    ],
)
def test_research_user_unavailable(message: str, reason: str) -> None:
    with pytest.raises(UserUnavailableError) as info:
        research_errors.classify(
            resp(400, envelope("invalid_params", message)), endpoint="user/info", username="ghost_user"
        )
    assert info.value.reason == reason and info.value.username == "ghost_user"


def test_research_transient_bodies() -> None:
    with pytest.raises(RetryableError, match="504"):
        rc(resp(504, b"<html>504 Gateway Time-out</html>", "text/html"))
    with pytest.raises(RetryableError, match="truncated"):
        rc(resp(200, envelope("ok", data={"videos": []})[:-7]))
    with pytest.raises(RetryableError):  # ok without data is a broken answer, never "no data"
        rc(resp(200, orjson.dumps({"error": {"code": "ok"}})))


def test_research_ok_keeps_big_ints_and_strips_nul() -> None:
    body = (
        b'{"data":{"videos":[{"id":7320768196569599275,"music_id":72057594037927936123,'
        b'"username":"a\\u0000b"}],"has_more":false},"error":{"code":"ok","message":"","log_id":"x"}}'
    )
    data = rc(resp(200, body))
    v = data["videos"][0]
    assert v["id"] == 7320768196569599275 and isinstance(v["id"], int)
    assert v["username"] == "ab"


def test_token_error_shape_is_auth() -> None:
    with pytest.raises(AuthError):
        rc(resp(401, orjson.dumps({"error": "invalid_client", "error_description": "bad", "log_id": "x"})))


def ed(status: int, body: Any, **kw: Any) -> Any:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return ensembledata.classify(
        resp(status, raw), endpoint="tt/user/posts", params=kw or {"username": "bob"}, user_param="username"
    )


def test_ensembledata_classes() -> None:
    with pytest.raises(QuotaExhaustedError) as q:
        ed(495, {"detail": "Units depleted"})
    assert q.value.resets_at.hour == 0 and q.value.resets_at.minute == 0
    for status, reason in ((472, "private"), (473, "not_found"), (463, "not_found"), (474, "refused")):
        with pytest.raises(UserUnavailableError) as u:
            ed(status, {"detail": "x"})
        assert u.value.reason == reason and u.value.username == "bob"
    with pytest.raises(AuthError):
        ed(491, {"detail": "Invalid token"})
    with pytest.raises(InvalidInputError) as bad:
        ed(464, {"detail": "Too many post ids: 101 (max 100)"})
    assert bad.value.parameter == "ids"
    with pytest.raises(InvalidInputError) as bad:
        ed(422, {"detail": "Missing required parameter 'depth'"})
    assert bad.value.parameter == "depth"
    with pytest.raises(RetryableError):
        ed(500, {"detail": "Internal error"})
    with pytest.raises(RateLimitedError):
        ed(429, {"detail": "slow down"})
    with pytest.raises(RetryableError):
        ensembledata.classify(resp(502, b"<html>bad gateway</html>", "text/html"), endpoint="x", params={})
    # A 4xx carrying data is a success (as the official client treats it).
    assert ed(404, {"data": []}) == {"data": []}


def test_ensembledata_page_shapes() -> None:
    top = {"data": [{"aweme_id": "1", "is_top": 1}, {"aweme_id": "2"}], "nextCursor": 17}
    recs, extras = ensembledata._page_parts(top, ensembledata.ENDPOINTS["tt/user/posts"])
    assert len(recs) == 2 and extras["nextCursor"] == 17
    assert [r["is_pinned"] for r in ensembledata.flag_pinned(recs)] == [True, False]
    nested = {"data": {"followings": [{"uid": "1"}], "total": 9, "nextCursor": 5, "nextPageToken": "t"}}
    recs, extras = ensembledata._page_parts(nested, ensembledata.ENDPOINTS["tt/user/followings"])
    assert recs == [{"uid": "1"}] and extras["nextPageToken"] == "t" and extras["total"] == 9
    kept, dropped = ensembledata.trim_older([{"create_time": 10}, {"create_time": 5}], 8)
    assert kept == [{"create_time": 10}] and dropped == 1


def test_redaction_masks_registered_secrets_and_shapes() -> None:
    register_secret("s3cr3t-value-xyz")
    text = redact("GET https://h/apis/tt/x?name=a&token=abcdef123 Bearer clt.zzzzz s3cr3t-value-xyz")
    assert "abcdef123" not in text and "clt.zzzzz" not in text and "s3cr3t-value-xyz" not in text
    assert "name=a" in text
    s = Secret("another-secret-1")
    assert "another-secret-1" not in repr(s) and "another-secret-1" not in f"{s}"
    err = ApiError("failed with another-secret-1 inside", api="research")
    assert "another-secret-1" not in str(err)


def test_next_midnight() -> None:
    from datetime import UTC, datetime

    assert next_utc_midnight(datetime(2026, 6, 15, 23, 59, tzinfo=UTC)) == datetime(2026, 6, 16, tzinfo=UTC)
    assert next_utc_midnight(datetime(2026, 6, 15, 0, 0, tzinfo=UTC)) == datetime(2026, 6, 16, tzinfo=UTC)
