"""A user-posts backfill of a window long past (walked with ``start_cursor``), against the sandbox over HTTP: the
lake holds exactly the world's posts of those days, the pinned ones included (the API shows pinned posts only
on a call without a cursor), and the units reported equal what the sandbox charged."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import pytest
from ed_support import NOW, ed_assets, resources_for, world_posts

from tiktok_assets.config import load_monitoring
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

FIRST, LAST = date(2026, 1, 1), date(2026, 1, 30)  # months before NOW: the walk starts at a cursor
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory):
    monitoring = load_monitoring()
    tmp = tmp_path_factory.mktemp("old")
    with pytest.MonkeyPatch.context() as mp, running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        mp.setenv("TIKTOK_CLOCK_NOW", NOW)
        resources = resources_for(sandbox, tmp)
        assets = ed_assets(monitoring)
        tags = {"dagster/asset_partition_range_start": FIRST.isoformat(),
                "dagster/asset_partition_range_end": LAST.isoformat()}  # fmt: skip
        result = dg.materialize(list(assets.values()), selection=[assets["user_posts"].key], tags=tags,
                                instance=dg.DagsterInstance.ephemeral(), resources=resources,
                                raise_on_error=False)  # fmt: skip
        yield monitoring, sandbox, resources["lake"], result


def test_an_old_window_holds_every_post_of_the_world_pinned_ones_included(backfill) -> None:
    monitoring, _, lake, result = backfill
    assert result.success
    expected = world_posts(monitoring.accounts, FIRST, LAST)
    pinned: set[int] = set()
    for day in DAYS:
        table = lake.read(ds.USER_POSTS, {"date": day.isoformat()}, ["aweme_id", "is_top"])
        rows = table.to_pylist() if table is not None else []
        got = [r["aweme_id"] for r in rows]
        assert len(got) == len(set(got)) and set(got) == expected.get(day, set()), day
        pinned |= {r["aweme_id"] for r in rows if r["is_top"]}
    assert sum(map(len, expected.values())) > 50
    assert len(pinned) >= 5  # the shipped accounts pin posts of early January: the case this test is about


def test_an_old_window_reports_the_units_the_sandbox_charged(backfill) -> None:
    _, sandbox, _, result = backfill
    charged = sandbox.stats()["units_charged"]
    spent = charged.get("ensembledata /tt/user/posts", 0) + charged.get(
        "ensembledata /tt/user/posts-from-secuid", 0
    )
    per_day = [
        int(m.metadata["units_spent"].value)
        for m in result.asset_materializations_for_node("ensembledata__user_posts")
    ]
    assert len(per_day) == len(DAYS) and sum(per_day) == spent > 0
