"""Token lifecycle, bad credentials, bearer variants, body content types (all over HTTP)."""

from __future__ import annotations

import orjson

from tiktok_assets.sandbox.testing import ResearchRaw


def _public_user(research: ResearchRaw) -> str:
    from tiktok_assets.sandbox.world import World

    w = World(7, "small")
    return next(a.username for a in w.accounts if not a.is_private and not a.api_refused)


def test_token_shape(research: ResearchRaw) -> None:
    r = research.new_token()
    assert r.status_code == 200
    body = r.json()
    assert body["access_token"].startswith("clt.")
    assert body["expires_in"] == 7200
    assert body["token_type"] == "Bearer"


def test_bad_credentials_use_the_oauth_shape(research: ResearchRaw) -> None:
    r = research.new_token(secret="wrong")
    body = r.json()
    assert r.status_code >= 400
    assert body["error"] == "invalid_client" and body["error_description"] and body["log_id"]
    assert "data" not in body
    r = research.http.post("/v2/oauth/token/", data={"client_key": "sandbox-key"})
    assert r.json()["error"] == "invalid_request"
    r = research.http.post(
        "/v2/oauth/token/",
        data={"client_key": "sandbox-key", "client_secret": "sandbox-secret", "grant_type": "password"},
    )
    assert r.json()["error"] == "unsupported_grant_type"


def test_unknown_token_and_missing_header(research: ResearchRaw) -> None:
    body = {"username": _public_user(research)}
    for token in ("clt.nope", ""):
        r = research.post("user/info/", body, token=token or "x")
        assert r.status_code == 401
        err = r.json()["error"]
        assert err["code"] == "access_token_invalid"
        assert err["message"] == "Access token is invalid, please refresh token and retry"
    r = research.http.post("/v2/research/user/info/", json=body)
    assert r.status_code == 401


def test_token_expires_after_two_hours_of_sandbox_clock(research: ResearchRaw) -> None:
    body = {"username": _public_user(research)}
    assert research.post("user/info/", body).status_code == 200
    research.handle.advance(7199)
    assert research.post("user/info/", body).status_code == 200
    research.handle.advance(2)
    r = research.post("user/info/", body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "access_token_invalid"
    research.refresh()
    assert research.post("user/info/", body).status_code == 200


def test_lowercase_bearer_and_text_plain_body(research: ResearchRaw) -> None:
    body = {"username": _public_user(research)}
    r = research.http.post(
        "/v2/research/user/info/",
        content=orjson.dumps(body),
        headers={"authorization": f"bearer {research.token}", "content-type": "text/plain"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["error"]["code"] == "ok"


def test_envelope_and_log_id(research: ResearchRaw) -> None:
    r = research.post("user/info/", {"username": _public_user(research)})
    err = r.json()["error"]
    assert err["code"] == "ok" and err["message"] == ""
    assert len(err["log_id"]) == 34 and err["log_id"].startswith("20260615120000")


def test_unknown_path_and_method(research: ResearchRaw) -> None:
    r = research.post("video/nothing/", {})
    assert r.status_code == 404
    r = research.http.get("/v2/research/user/info/", headers={"Authorization": f"Bearer {research.token}"})
    assert r.status_code == 405
