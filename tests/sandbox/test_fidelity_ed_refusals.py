"""EnsembleData 469 / 471 / 474 / 492 / 493 from the documented restricted topics, users and tokens
(ensembledata/restricted.py): the envelope over HTTP, the official client's EDError, and our client's typed,
never-retried error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import ensembledata.api._requester as ed_requester
import httpx
import pytest
from ensembledata.api import EDClient, EDError

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.errors import AuthError, InvalidInputError, UserUnavailableError
from tiktok_assets.clients.transport import RetryPolicy
from tiktok_assets.sandbox.testing import SandboxHandle

# (status, token, official call, our call, our error class)
Call = Callable[[Any], Any]
CASES: list[tuple[int, str, Call, Call, type[Exception]]] = [
    (
        469,
        "sandbox-token",
        lambda ed: ed.tiktok.hashtag_search(hashtag="restrictedtopic", cursor=0),
        lambda c: next(iter(c.iter_hashtag_posts("restrictedtopic"))),
        InvalidInputError,
    ),
    (
        469,
        "sandbox-token",
        lambda ed: ed.tiktok.keyword_search(keyword="bannedtopic news", period="7"),
        lambda c: next(iter(c.iter_keyword_search("bannedtopic news", period=7))),
        InvalidInputError,
    ),
    (
        471,
        "sandbox-token",
        lambda ed: ed.tiktok.user_info_from_username(username="restricted.user"),
        lambda c: c.user_info("restricted.user"),
        UserUnavailableError,
    ),
    (
        474,
        "sandbox-token",
        lambda ed: ed.tiktok.user_posts_from_username(username="unavailable.user", depth=1),
        lambda c: c.user_posts("unavailable.user", depth=1),
        UserUnavailableError,
    ),
    (
        492,
        "sandbox-token-unverified",
        lambda ed: ed.tiktok.user_info_from_username(username="x"),
        lambda c: c.user_info("x"),
        AuthError,
    ),
    (
        493,
        "sandbox-token-expired",
        lambda ed: ed.tiktok.hashtag_search(hashtag="cat", cursor=0),
        lambda c: next(iter(c.iter_hashtag_posts("cat"))),
        AuthError,
    ),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.fixture
def official(sandbox: SandboxHandle) -> Iterator[Callable[[str], EDClient]]:
    patch = pytest.MonkeyPatch()
    patch.setattr(ed_requester, "BASE_URL", sandbox.ensembledata_url)
    yield lambda token: EDClient(token, timeout=60, max_network_retries=1)
    patch.undo()


def _ed_requests(stats: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ep, codes in stats["requests"].items():
        if ep.startswith("ensembledata "):
            for status, n in codes.items():
                out[str(status)] = out.get(str(status), 0) + n
    return out


@pytest.mark.parametrize(("status", "token", "official_call", "_ours", "_cls"), CASES, ids=IDS)
def test_official_client_sees_the_status(
    sandbox: SandboxHandle,
    official: Any,
    status: int,
    token: str,
    official_call: Call,
    _ours: Call,
    _cls: Any,
) -> None:
    with pytest.raises(EDError) as info:
        official_call(official(token))
    assert info.value.status_code == status
    assert info.value.detail
    assert int(info.value.units_charged or 0) == 0  # refusals cost no units
    assert _ed_requests(sandbox.stats()) == {str(status): 1}


@pytest.mark.parametrize(("status", "token", "_official", "ours", "cls"), CASES, ids=IDS)
def test_our_client_raises_typed_and_does_not_retry(
    sandbox: SandboxHandle, status: int, token: str, _official: Call, ours: Call, cls: type[Exception]
) -> None:
    client = EnsembleDataClient(token, sandbox.ensembledata_url, policy=RetryPolicy.fast())
    try:
        with pytest.raises(cls) as info:
            ours(client)
    finally:
        client.close()
    assert getattr(info.value, "status", None) == status
    assert token not in str(info.value)
    assert _ed_requests(sandbox.stats()) == {str(status): 1}  # sent once


def test_restricted_names_change_nothing_else(sandbox: SandboxHandle) -> None:
    """The reserved names are outside the world: ordinary requests and their truth are untouched."""
    keys = sandbox.truth("ensembledata", "/tt/hashtag/posts", {"name": "restrictedtopic"})
    assert keys == []
    r = httpx.get(
        f"{sandbox.ensembledata_url}/tt/user/info",
        params={"username": "restricted.user", "token": sandbox.ed_token},
        timeout=30,
    )
    assert r.status_code == 471 and r.json() == {"detail": "User restricted"}
