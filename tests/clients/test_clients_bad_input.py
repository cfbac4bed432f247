"""Bad input fails at once, names what is wrong, and sends at most one request (checked in sandbox stats)."""

from __future__ import annotations

from typing import Any

import pytest
from tests_clients_support import subjects

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.errors import AuthError, InvalidInputError, UserUnavailableError
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.research_endpoints import ENDPOINTS

S = subjects()
Q = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}


def sent(sb: Any) -> int:
    """Every request the sandbox served (data and token)."""
    return sb.stats()["requests_total"]


def test_unknown_private_refused_users(sandbox: Any, research_factory: Any, ed_factory: Any) -> None:
    client = research_factory(sandbox)
    client.user_info(S.account)  # token fetched; from here every call is one data request
    cases = [("no_such_user_xyz", "not_found"), (S.private, "private")]
    if S.refused:
        cases.append((S.refused, "refused"))
    for username, reason in cases:
        before = sent(sandbox)
        with pytest.raises(UserUnavailableError) as info:
            client.user_info(username)
        assert info.value.reason == reason and username in str(info.value)
        assert sent(sandbox) - before == 1
        # Recorded as such when asked, never as an empty profile.
        result = client.user_info(username, missing_ok=True)
        assert result.status == reason and not result.ok and result.as_record()["status"] == reason
    before = sent(sandbox)
    with pytest.raises(UserUnavailableError, match="private"):
        list(client.iter_followers(S.private))
    assert sent(sandbox) - before == 1
    ed = ed_factory(sandbox)
    before = sent(sandbox)
    with pytest.raises(UserUnavailableError) as info:
        ed.user_info("no_such_user_xyz")
    assert info.value.reason == "not_found" and sent(sandbox) - before == 1
    with pytest.raises(UserUnavailableError) as info:
        list(ed.iter_user_posts(S.private, depth=1))
    assert info.value.reason == "private"


def test_window_over_30_days_sends_nothing(sandbox: Any, research_factory: Any) -> None:
    client = research_factory(sandbox)
    with pytest.raises(InvalidInputError, match="end_date") as info:
        list(client.iter_videos(Q, "20260101", "20260301"))
    assert info.value.parameter == "end_date" and sent(sandbox) == 0


def test_server_side_invalid_input_is_not_retried(sandbox: Any, research_factory: Any) -> None:
    """Past local validation, the server's 400 is raised after exactly one request, naming the parameter."""
    client = research_factory(sandbox)
    client.user_info(S.account)
    before = sent(sandbox)
    with pytest.raises(InvalidInputError, match="end_date") as info:
        client._post(ENDPOINTS["video/query"], {"query": Q, "start_date": "20260101", "end_date": "20260301"})
    assert info.value.parameter == "end_date" and sent(sandbox) - before == 1


def test_bad_credentials(sandbox: Any, ed_factory: Any) -> None:
    bad = ResearchClient("sandbox-key", "wrong-secret-123", sandbox.research_url)
    with pytest.raises(AuthError, match="client_secret") as info:
        bad.user_info(S.account)
    assert "wrong-secret-123" not in str(info.value)
    assert sent(sandbox) == 1  # the token request only
    with (
        EnsembleDataClient("wrong-token-456", sandbox.ensembledata_url) as ed_bad,
        pytest.raises(AuthError, match="ENSEMBLEDATA_TOKEN") as info,
    ):
        ed_bad.user_info(S.account)
    assert "wrong-token-456" not in str(info.value)
    assert sent(sandbox) == 2


def test_more_than_100_post_ids(sandbox: Any, ed_factory: Any) -> None:
    ed = ed_factory(sandbox)
    with pytest.raises(InvalidInputError, match="ids") as info:
        ed.multi_post_info(list(range(1, 102)))
    assert info.value.parameter == "ids" and sent(sandbox) == 0
    with pytest.raises(InvalidInputError, match="depth"):
        ed.call("tt/user/posts", {"username": S.account})
    assert sent(sandbox) == 0
