"""Issue 16.10, the smaller ones:
- a raw query in monitoring.yaml with an ``IN`` over the limit used to pass validation and fail at run time
  with a hint to a Python function: now it is split at load where that keeps its meaning, refused (naming the
  key) where it cannot;
- ``fetch`` said "the same command resumes" after input errors that can never succeed and left an empty
  ``*.partial/`` folder;
- ``fetch research user/info`` of an unknown user exited 0 printing "1 rows": now it says so on stderr and
  exits 4 (nothing requested was available), and ``collected_at`` is the backend's clock, not the wall clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tiktok_assets.cli import main
from tiktok_assets.clients.research_query import validate_query
from tiktok_assets.config import MonitoringConfigError, parse_monitoring
from tiktok_assets.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.reliability

USERS = [f"user{i}" for i in range(150)]


def monitoring(query: dict) -> dict:
    return {"date_range": {"start": "2026-01-01"}, "queries": {"q": {"query": query}}}


def test_a_long_in_is_split_at_load_where_the_meaning_allows() -> None:
    long_in = {"operation": "IN", "field_name": "username", "field_values": USERS}
    region = {"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}
    for raw, where in (
        ({"or": [long_in]}, "or"),
        ({"not": [long_in]}, "not"),
        ({"and": [region, long_in]}, "or"),
    ):
        query = parse_monitoring(monitoring(raw), today=date(2026, 6, 15)).query("q").query
        parts = [c for c in query[where] if c["field_name"] == "username"]
        assert [len(c["field_values"]) for c in parts] == [100, 50]
        assert sum((c["field_values"] for c in parts), []) == USERS
        validate_query(query)  # what the client sends: no condition over the limit
    assert parse_monitoring(monitoring({"and": [region, long_in]}), today=date(2026, 6, 15)).query("q").query[
        "and"] == [region]  # fmt: skip


def test_a_long_in_that_cannot_be_split_is_refused_at_load_naming_it() -> None:
    long_in = {"operation": "IN", "field_name": "username", "field_values": USERS}
    other = {"operation": "EQ", "field_name": "hashtag_name", "field_values": ["cat"]}
    with pytest.raises(MonitoringConfigError) as refused:
        parse_monitoring(monitoring({"and": [long_in], "or": [other]}), today=date(2026, 6, 15))
    assert (
        refused.value.key == "queries.q.query.and[0].field_values" and "150 values" in refused.value.problem
    )


def fetch(sb: SandboxHandle, tmp: Path, endpoint: str, out: Path, *params: str) -> int:
    args = ["fetch", "research", endpoint, "--out", str(out), "--base-url", sb.research_url,
            "--ledger-url", f"sqlite:///{tmp / 'quota.sqlite'}", "--no-progress"]  # fmt: skip
    for p in params:
        args += ["--param", p]
    return main(args)


def test_fetch_input_errors_say_fix_it_and_leave_nothing(
    sandbox: SandboxHandle, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "v.parquet"
    bad = ('query={"and": [{"operation": "IN", "field_name": "color", "field_values": ["red"]}]}',
           "start_date=20260501", "end_date=20260510")  # fmt: skip
    assert fetch(sandbox, tmp_path, "video/query", out, *bad) == 2
    err = capsys.readouterr().err
    assert "field_name" in err and "cannot succeed" in err and "resumes" not in err
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()


def test_fetch_of_an_unknown_user_says_so_and_exits_4_stamped_with_the_backends_clock(
    sandbox: SandboxHandle, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "u.parquet"
    assert fetch(sandbox, tmp_path, "user/info", out, "username=nobody.at.all.42") == 4
    err = capsys.readouterr().err
    assert "nobody.at.all.42" in err and "not_found" in err
    row = pq.read_table(out).to_pylist()[0]
    assert row["status"] == "not_found"
    assert row["collected_at"].replace(tzinfo=UTC) == datetime(
        2026, 6, 15, 12, tzinfo=UTC
    )  # the sandbox's clock
    assert not out.with_name(out.name + ".partial").exists()


def test_fetch_of_an_unavailable_account_list_exits_4(sandbox: SandboxHandle, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tiktok_assets.sandbox.world import World

    private = next(a for a in World(7, "small").accounts if a.is_private).username
    out = tmp_path / "f.parquet"
    assert fetch(sandbox, tmp_path, "user/followers", out, f"username={private}") == 4
    assert "private" in capsys.readouterr().err
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
