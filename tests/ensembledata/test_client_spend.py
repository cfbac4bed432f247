"""The EnsembleData client's refusals and books, against the sandbox over HTTP: a documented refusal (520 post
restricted) is one request and a named error, never retried; a call that ends refused still books every attempt
it spent (the Walker's figures = the sandbox's); an attempt that got no answer is booked at its estimate."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from ed_support import NOW

from tiktok_assets.clients.backoff import RetryPolicy
from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.ensembledata_endpoints import classify
from tiktok_assets.clients.errors import ApiError, InvalidInputError, RetryableError
from tiktok_assets.clients.quota import QuotaLedger
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.spend import Spend
from tiktok_assets.defs.ensembledata.chains import Chain, Walker
from tiktok_assets.lake.storage import LocalStorage
from tiktok_assets.sandbox.testing import running_sandbox
from tiktok_assets.sandbox.world import World
from tiktok_assets.sandbox.world.catalog import catalog

CLOCK = datetime.fromisoformat(NOW).timestamp()
PRIVATE = "biki__7942"  # a private account: its posts answer 520 "Post restricted"


def _now() -> datetime:
    return datetime.fromtimestamp(CLOCK, UTC)


def _restricted_post() -> int:
    world = World(7, "small")
    account = world.account_by_username(PRIVATE)
    assert account is not None and account.is_private
    return int(catalog(world).account_videos(account.index, int(CLOCK))[0].id)


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("tt/post/info", lambda v: {"url": f"https://www.tiktok.com/@{PRIVATE}/video/{v}"}, "url"),
        ("tt/post/comments", lambda v: {"aweme_id": v}, "aweme_id"),
    ],
    ids=["post_info", "comments"],
)
def test_a_restricted_post_is_one_request_and_a_named_error(path: str, params, parameter: str) -> None:
    slept: list[float] = []
    policy = RetryPolicy.named("standard", sleep=slept.append)
    with running_sandbox(now=NOW) as sandbox:
        client = EnsembleDataClient(sandbox.ed_token, sandbox.ensembledata_url, policy=policy)
        with pytest.raises(InvalidInputError) as caught:
            client.call(path, params(_restricted_post()))
        sent = sandbox.stats()["requests"][f"ensembledata /{path}"]
    assert caught.value.status == 520 and caught.value.parameter == parameter
    assert "post restricted" in str(caught.value)
    assert sent == {"520": 1} and not slept  # never retried, no back-off


def test_a_gateway_520_in_html_is_still_retried() -> None:
    """A 520 in HTML is a proxy's "unknown error", not the API's answer (the sandbox serves only the API's)."""
    request = httpx.Request("GET", "https://ensembledata.com/apis/tt/post/comments")
    html = httpx.Response(
        520, headers={"content-type": "text/html"}, text="<html>520</html>", request=request
    )
    with pytest.raises(RetryableError):
        classify(html, endpoint="tt/post/comments", params={"aweme_id": "1"})
    api = httpx.Response(520, json={"detail": "Post restricted"}, request=request)
    with pytest.raises(InvalidInputError):
        classify(api, endpoint="tt/post/comments", params={"aweme_id": "1"})


def test_a_refused_call_books_every_attempt_it_spent(tmp_path: Path) -> None:
    """500s that cost units, then the refusal (473) or the retries given up: the Walker counts all of them."""
    policy = RetryPolicy.named("standard", sleep=lambda s: None)
    with running_sandbox(now=NOW, faults={"internal_error": 0.6}) as sandbox:
        ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
        client = EnsembleDataClient(sandbox.ed_token, sandbox.ensembledata_url, ledger=ledger, policy=policy,
                                    clock=lambda: CLOCK)  # fmt: skip
        spend = Spend()
        for i in range(8):
            walker = Walker(
                client, Journal(LocalStorage(tmp_path / "lake"), "run", f"x{i}"), lambda: NOW, spend
            )
            with pytest.raises(ApiError):
                list(walker.tables(Chain("tt/user/info", {"username": "no_such_user_xyz"})))
        stats = sandbox.stats()
    assert stats["faults"]["internal_error"] > 0 and stats["units_total"] > 0  # retried 500s were charged
    assert (spend.units, spend.requests) == (stats["units_total"], stats["requests_total"])
    assert (
        ledger.used("ensembledata", "units", datetime.fromtimestamp(CLOCK, UTC)).units == stats["units_total"]
    )


def test_an_attempt_without_an_answer_is_booked_at_its_estimate(tmp_path: Path) -> None:
    """Read time-outs: the server did the work and charged; the ledger books the estimate, not 0."""
    policy = RetryPolicy.named("standard", max_attempts=2, sleep=lambda s: None)
    with running_sandbox(now=NOW, faults={"latency_ms": 600}) as sandbox:
        ledger = QuotaLedger(f"sqlite:///{tmp_path / 'q.sqlite'}")
        client = EnsembleDataClient(sandbox.ed_token, sandbox.ensembledata_url, ledger=ledger, policy=policy,
                                    http_timeout=0.2, clock=lambda: CLOCK)  # fmt: skip
        with pytest.raises(RetryableError):
            client.call("tt/hashtag/posts", {"name": "cat"})
        time.sleep(1.5)  # the server finishes both calls (and charges them) after the client gave up
        charged = sandbox.stats()["units_total"]
    booked = ledger.used("ensembledata", "units", datetime.fromtimestamp(CLOCK, UTC)).units
    assert charged == 2 and booked == charged  # one unit each (the estimate: this path's price is 1)
