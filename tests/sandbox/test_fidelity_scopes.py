"""Research API scope errors over HTTP (reference: ``scope_not_authorized`` 401, ``scope_permission_missed``
400) from the documented sandbox apps, and our client's handling: a typed AuthError naming the scope, sent
once (no retry, no token refresh)."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_assets.clients.errors import AuthError
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.research import MISSING_SCOPE_CLIENT_KEY, NOSCOPE_CLIENT_KEY, SCOPE
from tiktok_assets.sandbox.testing import ResearchRaw, SandboxHandle
from tiktok_assets.sandbox.world import World

QUERY = {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}]}
CASES = [
    (NOSCOPE_CLIENT_KEY, 401, "scope_not_authorized"),
    (MISSING_SCOPE_CLIENT_KEY, 400, "scope_permission_missed"),
]


def _public_user() -> str:
    return next(a.username for a in World(7, "small").accounts if not a.is_private and not a.api_refused)


def _requests(stats: dict[str, Any], endpoint: str) -> int:
    return sum(stats["requests"].get(f"research {endpoint}", {}).values())


@pytest.mark.parametrize(("key", "status", "code"), CASES)
def test_scope_error_envelope(research: ResearchRaw, key: str, status: int, code: str) -> None:
    tok = research.new_token(key=key)
    assert tok.status_code == 200  # the app exists: the token is issued, the data request is refused
    token = tok.json()["access_token"]
    assert SCOPE not in tok.json()["scope"]
    for path, body in (
        ("video/query/", {"query": QUERY, "start_date": "20260601", "end_date": "20260602"}),
        ("user/info/", {"username": _public_user()}),
    ):
        r = research.post(path, body, token=token)
        assert r.status_code == status
        payload = r.json()
        assert payload["data"] == {}
        assert payload["error"]["code"] == code
        assert SCOPE in payload["error"]["message"]
        assert payload["error"]["log_id"]
    # A refused app spends none of the daily quota.
    assert not research.handle.stats()["quota"].get("research")


@pytest.mark.parametrize(("key", "status", "code"), CASES)
def test_client_raises_auth_error_once(sandbox: SandboxHandle, key: str, status: int, code: str) -> None:
    client = ResearchClient(key, "sandbox-secret", sandbox.research_url, policy=RetryPolicy.fast())
    try:
        with pytest.raises(AuthError) as info:
            next(iter(client.iter_videos(QUERY, "20260601", "20260602")))
        with pytest.raises(AuthError):
            client.user_info(_public_user())
    finally:
        client.close()
    err = info.value
    assert (err.status, err.code) == (status, code)
    assert SCOPE in str(err)
    stats = sandbox.stats()
    assert _requests(stats, "/v2/research/video/query/") == 1  # never retried
    assert _requests(stats, "/v2/research/user/info/") == 1
    assert client.token_fetches == 1  # a scope error is not an expired token: no refresh
