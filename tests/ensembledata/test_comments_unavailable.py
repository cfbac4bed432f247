"""A post deleted after ``user_posts`` stored it, against the sandbox over HTTP: its comments are asked once
(404, never retried), the post is listed in the day's metadata ``unavailable``, and the day's other posts'
comments are committed, equal to the sandbox's truth."""

from __future__ import annotations

import dagster as dg
import pytest
from ed_support import ed_assets, resources_for

from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.ensembledata.days import top_commented
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

DAY = "2026-06-07"
DELETED = 7648648288098322433  # a post of nerali7775 on DAY, deleted 2026-06-15T03:51:53Z in the world
BEFORE, AFTER = "2026-06-15T00:00:00Z", "2026-06-15T12:00:00Z"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory):
    monitoring = load_monitoring()
    tmp = tmp_path_factory.mktemp("deleted")
    assets = ed_assets(monitoring)
    with pytest.MonkeyPatch.context() as mp, running_sandbox(now=BEFORE, per_minute=1_000_000) as sandbox:
        mp.setenv("TIKTOK_CLOCK_NOW", BEFORE)
        resources, instance = resources_for(sandbox, tmp), dg.DagsterInstance.ephemeral()

        def run(name: str) -> dg.ExecuteInProcessResult:
            return dg.materialize(list(assets.values()), selection=[assets[name].key], partition_key=DAY,
                                  instance=instance, resources=resources, raise_on_error=False)  # fmt: skip

        posts = run("user_posts")
        sandbox.set_clock(AFTER)  # the post is deleted in between
        mp.setenv("TIKTOK_CLOCK_NOW", AFTER)
        before = ed_requests(sandbox)
        comments = run("comments")
        yield monitoring, sandbox, resources["lake"], posts, comments, ed_requests(sandbox) - before


def ed_requests(sandbox) -> int:
    return sum(
        sum(s.values()) for k, s in sandbox.stats()["requests"].items() if k.startswith("ensembledata ")
    )


def test_a_deleted_post_is_listed_and_the_day_is_committed(collected) -> None:
    monitoring, sandbox, lake, posts, comments, counted = collected
    assert posts.success and comments.success
    stored = lake.read(ds.USER_POSTS, {"date": DAY}, ["aweme_id", "comment_count"])
    chosen = top_commented(stored, monitoring.ensembledata)
    assert DELETED in chosen and len(chosen) > 1  # the case: a chosen post gone, others still there
    (mat,) = comments.asset_materializations_for_node("ensembledata__comments")
    assert mat.metadata["unavailable"].value == {str(DELETED): "not_found"}
    expected = {
        int(k)
        for a in chosen
        if a != DELETED
        for k in sandbox.truth("ensembledata", ed.COMMENTS.path, {"aweme_id": a})
    }
    got = lake.read(ds.COMMENTS, {"date": DAY}, ["cid", "aweme_id"]).to_pylist()
    assert expected and sorted(r["cid"] for r in got) == sorted(expected)  # all, none twice
    requests = sandbox.stats()["requests"]["ensembledata /tt/post/comments"]
    assert requests.get("404") == 1  # asked once, never retried
    # The day's requests hold the 404 too: what the sandbox counted for the run.
    assert mat.metadata["requests_spent"].value == counted
