"""An API that answers the same cursor again (a failure the sandbox cannot cause, hence the stand-in below):
the asset's walk and the plan's probe both stop with ``CursorStuckError`` at the first repeat, having paid
for the two pages only, and the probe still says what it spent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tiktok_assets.clients.errors import CursorStuckError
from tiktok_assets.clients.pages import Page
from tiktok_assets.collect.journal import Journal
from tiktok_assets.collect.spend import Spend
from tiktok_assets.config import parse_monitoring
from tiktok_assets.defs.ensembledata.chains import Walker
from tiktok_assets.defs.ensembledata.days import user_posts_chain
from tiktok_assets.forecast import ensembledata_probe
from tiktok_assets.lake.storage import LocalStorage

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
POSTED = int(datetime(2026, 6, 10, tzinfo=UTC).timestamp())
MONITORING = parse_monitoring(
    {"date_range": {"start": "2026-06-01"}, "accounts": ["a"], "queries": {"a": {"from": "accounts"}}},
    "m.yaml", today=date(2026, 6, 15),
)  # fmt: skip


class SameCursor:
    """Stands in for EnsembleData: every page names the same next cursor; each call costs a unit."""

    def __init__(self) -> None:
        self.calls = 0

    def call(self, path: str, params: dict[str, Any]) -> Page:
        self.calls += 1
        assert self.calls <= 10, "walked on past a repeated cursor"
        record = {"aweme_id": 1, "create_time": POSTED, "statistics": {"comment_count": 3}}
        return Page([record], cursor=POSTED * 1000, units=1)

    def next_params(self, path: str, params: dict[str, Any], page: Page) -> dict[str, Any] | None:
        return {**params, "start_cursor": page.cursor}


def test_the_walk_and_the_probe_stop_at_a_repeated_cursor(tmp_path: Path) -> None:
    chain = user_posts_chain("a", MONITORING.ensembledata, date(2026, 6, 1), date(2026, 6, 12), NOW)
    api, spend = SameCursor(), Spend()
    walker = Walker(api, Journal(LocalStorage(tmp_path), "run", "w"), lambda: NOW, spend)  # type: ignore[arg-type]
    with pytest.raises(CursorStuckError):
        list(walker.tables(chain))
    assert api.calls == 3 and spend.units == 3  # the first page, the cursor, the same cursor again
    api = SameCursor()
    found = ensembledata_probe.PostsProbe()
    with pytest.raises(CursorStuckError):
        ensembledata_probe.probe(api, MONITORING, date(2026, 6, 1), date(2026, 6, 12), NOW, found)  # type: ignore[arg-type]
    assert api.calls == 3 and found.units == 3
