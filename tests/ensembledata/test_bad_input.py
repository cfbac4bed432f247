"""Bad input, against the sandbox over HTTP: each case gets one clear typed error (the run fails at once, one
request, never retried, nothing written) or a status row (a fact about an account), as the README's table
says. 495 (units depleted) is covered in test_units_stop.py."""

from __future__ import annotations

import logging
from datetime import date

import dagster as dg
import httpx
import pytest
from ed_support import TODAY, ed_assets, resources_for

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.ensembledata_endpoints import classify
from tiktok_assets.clients.errors import InvalidInputError
from tiktok_assets.config import parse_monitoring
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

UNKNOWN, UNAVAILABLE, RESTRICTED, PRIVATE = "nosuchuser7", "unavailable.user", "restricted.user", "biki__7942"
RAW = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["nerali7775", UNKNOWN, UNAVAILABLE, RESTRICTED, PRIVATE],
    "hashtags": ["restrictedtopic"],
    "keywords": ["recipe"],
    "queries": {"accounts": {"from": "accounts"}},
    "ensembledata": {"keyword_search": {"country": "XX"}},  # well-formed, but no such country (466)
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    monitoring = parse_monitoring(RAW, "m.yaml", today=date(2026, 6, 15))
    assets = ed_assets(monitoring)
    tmp = tmp_path_factory.mktemp("bad")
    with running_sandbox(per_minute=1_000_000) as sandbox:
        instance = dg.DagsterInstance.ephemeral()
        for name, keys in (
            ("accounts", RAW["accounts"]),
            ("hashtags", RAW["hashtags"]),
            ("keywords", ["recipe"]),
        ):
            instance.add_dynamic_partitions(name, keys)

        def materialize(name: str, partition: str, **kw) -> dg.ExecuteInProcessResult:
            resources = resources_for(sandbox, tmp, **kw)
            return dg.materialize(list(assets.values()), selection=[assets[name].key], partition_key=partition,
                                  resources=resources, instance=instance, raise_on_error=False)  # fmt: skip

        yield sandbox, materialize, resources_for(sandbox, tmp)["lake"]


def failure(result: dg.ExecuteInProcessResult):
    (event,) = result.get_step_failure_events()
    error = event.step_failure_data.error
    while error.cause is not None:
        error = error.cause
    return error


def requests(sandbox, path: str) -> dict[str, int]:
    return sandbox.stats()["requests"].get(f"ensembledata /{path}", {})


def test_unavailable_accounts_are_status_rows_not_failures(run) -> None:
    sandbox, materialize, lake = run
    assert materialize("user_info", TODAY).success
    rows = lake.read(ds.USER_INFO, {"date": TODAY}, ["username", "status"]).to_pylist()
    assert {r["username"]: r["status"] for r in rows} == {
        "nerali7775": "ok",
        UNKNOWN: "not_found",
        UNAVAILABLE: "refused",
        RESTRICTED: "refused",
        PRIVATE: "ok",
    }  # a private profile card is public; its lists are not
    assert requests(sandbox, "tt/user/info") == {"200": 2, "473": 1, "474": 1, "471": 1}  # each asked once
    result = materialize("followers", PRIVATE)
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["status"].value == "private" and meta["dagster/row_count"].value == 0
    assert requests(sandbox, "tt/user/followers") == {"472": 1}
    result = materialize("liked_posts", UNKNOWN)
    assert (
        result.success
        and result.get_asset_materialization_events()[0].materialization.metadata["status"].value
        == "not_found"
    )


def ed_spend(sandbox) -> tuple[int, int]:
    """(requests, units) the sandbox counted on EnsembleData so far."""
    stats = sandbox.stats()
    requests = sum(sum(s.values()) for k, s in stats["requests"].items() if k.startswith("ensembledata "))
    units = sum(n for k, n in stats["units_charged"].items() if k.startswith("ensembledata "))
    return requests, units


def test_user_posts_list_the_accounts_they_could_not_read(run) -> None:
    sandbox, materialize, lake = run
    before = ed_spend(sandbox)
    result = materialize("user_posts", "2026-06-10")
    assert result.success
    # Which accounts could not be read is the run's fact: in its summary (an observation without a partition).
    (summary,) = [
        o.asset_observation_data.asset_observation.metadata for o in result.get_asset_observation_events()
    ]
    assert summary["unavailable"].value == {
        UNKNOWN: "not_found",
        UNAVAILABLE: "refused",
        RESTRICTED: "refused",
        PRIVATE: "private",
    }
    # The refused calls are spend too: the day's figures hold them, as the run's and the sandbox's do.
    counted = tuple(after - b for after, b in zip(ed_spend(sandbox), before, strict=True))
    day = result.get_asset_materialization_events()[0].materialization.metadata
    day_spend = (day["requests_spent"].value, day["units_spent"].value)
    run_spend = (summary["run_requests_spent"].value, summary["run_units_spent"].value)
    assert day_spend == run_spend == counted and counted[0] > 1


@pytest.mark.parametrize(
    "asset, partition, path, status, parameter",
    [
        ("hashtag_posts", "restrictedtopic", "tt/hashtag/posts", "469", "name"),
        ("keyword_posts", "recipe", "tt/keyword/search", "466", "country"),
    ],
)
def test_restricted_topic_and_bad_country_fail_typed_at_once(
    run, asset: str, partition: str, path: str, status: str, parameter: str
) -> None:
    sandbox, materialize, lake = run
    result = materialize(asset, partition)
    assert not result.success
    error = failure(result)
    assert error.cls_name == "InvalidInputError" and parameter in error.message.split(":", 2)[-1]
    assert requests(sandbox, path) == {status: 1}  # one request, never retried
    assert lake.partitions(getattr(ds, asset.upper())) == []  # nothing written


def test_a_bad_token_fails_at_once_without_showing_it(run, caplog: pytest.LogCaptureFixture) -> None:
    sandbox, materialize, lake = run
    token = "ed-secret-4f9a2b7c"
    with caplog.at_level(logging.DEBUG):
        result = materialize("user_info", "2026-06-14", token=token)
    assert not result.success
    error = failure(result)
    assert error.cls_name == "AuthError" and "ENSEMBLEDATA_TOKEN" in error.message
    assert requests(sandbox, "tt/user/info").get("491") == 1  # the first call fails the run; no retry
    assert lake.partitions(ds.USER_INFO) == [{"date": TODAY}]  # the earlier partition only
    logged = caplog.text + "".join(str(e) for e in result.all_events)
    assert token not in logged and token not in error.message


def test_over_100_ids_are_refused_before_sending_and_the_api_says_464(run) -> None:
    sandbox, _materialize, _lake = run
    client = EnsembleDataClient(sandbox.ed_token, sandbox.ensembledata_url)
    before = requests(sandbox, "tt/post/multi-info")
    with pytest.raises(InvalidInputError) as refused:
        client.multi_post_info(list(range(1, 102)))
    assert refused.value.parameter == "ids" and requests(sandbox, "tt/post/multi-info") == before
    # Sent anyway (a client that does not check): the API's 464 is the same typed error, not retried.
    raw = httpx.get(f"{sandbox.ensembledata_url}/tt/post/multi-info",
                    params={"ids": ";".join(map(str, range(1, 102))), "token": sandbox.ed_token})  # fmt: skip
    assert raw.status_code == 464
    with pytest.raises(InvalidInputError) as classified:
        classify(raw, endpoint="tt/post/multi-info", params={})
    assert classified.value.parameter == "ids"
