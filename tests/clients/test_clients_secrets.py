"""No secret in any log line (DEBUG, incl. httpx/httpcore), exception text, traceback or repr of a faulty run."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest
from tests_clients_support import fast_policy, subjects

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.errors import ApiError
from tiktok_assets.clients.research import ResearchClient

S = subjects()
ALL_FAULTS = {
    "internal_error": 0.1,
    "gateway_timeout_html": 0.1,
    "invalid_cursor": 0.1,
    "rate_limit": 0.1,
    "connection_reset": 0.1,
    "truncated_body": 0.1,
}
Q = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}


def test_no_secret_anywhere(sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tiktok_assets"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    sandbox.set_faults(ALL_FAULTS)
    texts: list[str] = []
    research = ResearchClient(
        sandbox.client_key, sandbox.client_secret, sandbox.research_url, policy=fast_policy()
    )
    ed = EnsembleDataClient(sandbox.ed_token, sandbox.ensembledata_url, policy=fast_policy())
    dead = EnsembleDataClient(sandbox.ed_token, "http://127.0.0.1:9", policy=fast_policy())  # refused
    bad = ResearchClient(sandbox.client_key, "not-the-secret-42", sandbox.research_url, policy=fast_policy())
    calls = [
        lambda: sum(len(p.records) for p in research.iter_videos(Q, "20260501", "20260530", max_count=20)),
        lambda: research.user_info("no_such_user_xyz"),
        lambda: sum(len(p.records) for p in ed.iter_hashtag_posts("cat")),
        lambda: ed.user_info("no_such_user_xyz"),
        lambda: list(ed.iter_user_posts(S.private, depth=1)),
        lambda: dead.user_info(S.account),
        lambda: bad.user_info(S.account),
    ]
    for call in calls:
        try:
            call()
        except ApiError as exc:
            texts.append(str(exc))
            texts.append(repr(exc))
            texts.append("".join(traceback.format_exception(exc)))
    assert len(texts) >= 5 * 3, "the faulty calls did not fail as planned"
    texts += [repr(research), repr(ed), repr(research.transport), caplog.text]
    texts += [r.getMessage() for r in caplog.records]
    assert any("HTTP Request" in r.getMessage() for r in caplog.records), "httpx logging was not captured"
    assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore logging was not captured"
    assert research._token is not None
    secrets = [
        sandbox.client_secret,
        sandbox.ed_token,
        research._token.get(),
        "not-the-secret-42",
        sandbox.client_key,
    ]
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob, f"a secret leaked ({secret[:3]}…)"
    for c in (research, ed, dead, bad):
        c.close()
