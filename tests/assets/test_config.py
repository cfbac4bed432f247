"""monitoring.yaml: the shipped file loads; a bad file fails at load with the offending key named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from tiktok_assets import config
from tiktok_assets.config import MonitoringConfigError, load_monitoring, parse_monitoring

TODAY = date(2026, 6, 15)
GOOD = {
    "date_range": {"start": "2026-01-01"},
    "accounts": ["alice", "bob"],
    "hashtags": ["#Cat"],
    "queries": {"accts": {"from": "accounts"}, "cats": {"from": "hashtags", "regions": ["US"]}},
}


def test_shipped_file_loads_and_builds_queries() -> None:
    m = load_monitoring(config.DEFAULT_PATH)
    assert m.accounts and m.hashtags and m.queries
    names = [q.name for q in m.queries]
    assert len(names) == len(set(names))
    accounts = m.query("monitored_accounts").query["and"][0]
    assert accounts == {"operation": "IN", "field_name": "username", "field_values": list(m.accounts)}


def test_env_var_points_at_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    monkeypatch.setenv("TIKTOK_MONITORING", str(path))
    m = load_monitoring()
    assert m.path == path and m.accounts == ("alice", "bob")
    assert m.hashtags == ("cat",)
    assert m.query("cats").query["and"][-1] == {
        "operation": "IN",
        "field_name": "region_code",
        "field_values": ["US"],
    }


def test_long_lists_become_an_or_of_in_chunks() -> None:
    raw = {**GOOD, "accounts": [f"u{i}" for i in range(5)], "in_limit": 2}
    q = parse_monitoring(raw, today=TODAY).query("accts").query
    assert [len(c["field_values"]) for c in q["or"]] == [2, 2, 1]


@pytest.mark.parametrize(
    ("patch", "key", "problem"),
    [
        ({"acounts": ["x"]}, "acounts", "unknown key"),
        ({"accounts": "alice"}, "accounts", "expected a list"),
        ({"accounts": ["ok", "bad name!"]}, "accounts[1]", "does not match"),
        ({"regions": ["USA"]}, "regions[0]", "does not match"),
        ({"date_range": {"start": "2026-07-01"}}, "date_range.start", "in the future"),
        ({"date_range": {"start": "yesterday"}}, "date_range.start", "expected a date"),
        ({"date_range": {"start": "2026-03-01", "end": "2026-02-01"}}, "date_range.end", "before"),
        ({"queries": {"Bad-Name": {"from": "accounts"}}}, "queries.Bad-Name", "lower-case"),
        ({"queries": {"q": {"from": "music"}}}, "queries.q.from", "not one of"),
        ({"queries": {"q": {"from": "keywords"}}}, "queries.q.from", "list is empty"),
        ({"queries": {"q": {"from": "accounts", "query": {}}}}, "queries.q", "exactly one"),
        (
            {
                "queries": {
                    "q": {
                        "query": {
                            "and": [{"operation": "LIKE", "field_name": "keyword", "field_values": ["x"]}]
                        }
                    }
                }
            },
            "queries.q.query.and[0].operation",
            "LIKE",
        ),  # fmt: skip
        (
            {"queries": {"q": {"query": {"and": [{"operation": "EQ", "field_name": "keyword"}]}}}},
            "queries.q.query.and[0].field_values",
            "missing",
        ),  # fmt: skip
        (
            {
                "queries": {
                    "q": {
                        "query": {
                            "and": [{"operation": "EQ", "field_name": "keyword", "field_values": ["a", "b"]}]
                        }
                    }
                }
            },
            "queries.q.query.and[0].field_values",
            "exactly one",
        ),  # fmt: skip
        (
            {
                "queries": {
                    "q": {
                        "query": {
                            "and": [{"operation": "GT", "field_name": "view_count", "field_values": ["ten"]}]
                        }
                    }
                }
            },
            "queries.q.query.and[0].field_values[0]",
            "view_count takes a whole number",
        ),  # fmt: skip
        (
            {
                "queries": {
                    "q": {
                        "query": {
                            "and": [
                                {"operation": "EQ", "field_name": "video_length", "field_values": ["MEDIUM"]}
                            ]
                        }
                    }
                }
            },
            "queries.q.query.and[0].field_values[0]",
            "video_length is one of",
        ),  # fmt: skip
        ({"queries": {"q": {"query": {"maybe": []}}}}, "queries.q.query.maybe", "unknown key"),
        ({"comments": {"max_videos_per_day": "ten"}}, "comments.max_videos_per_day", "expected an integer"),
        ({"in_limit": 0}, "in_limit", "at least 1"),
    ],
)
def test_bad_config_names_the_key(patch: dict, key: str, problem: str) -> None:
    with pytest.raises(MonitoringConfigError) as err:
        parse_monitoring({**GOOD, **patch}, "monitoring.yaml", today=TODAY)
    assert err.value.key == key
    assert problem in str(err.value) and key in str(err.value)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts: [unclosed\n")
    with pytest.raises(MonitoringConfigError, match="syntax"):
        load_monitoring(bad)
    with pytest.raises(MonitoringConfigError, match="cannot read"):
        load_monitoring(tmp_path / "absent.yaml")


def test_a_bad_file_fails_the_code_location_load_naming_the_key(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**GOOD, "queries": {"cats": {"from": "hashtags", "regions": ["usa"]}}}))
    env = {**os.environ, "TIKTOK_MONITORING": str(bad)}
    result = subprocess.run([sys.executable, "-c", "from tiktok_assets.definitions import defs; defs()"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0
    assert "MonitoringConfigError" in result.stderr and "queries.cats.regions[0]" in result.stderr


def test_the_demo_command_is_registered() -> None:
    from tiktok_assets.cli import build_parser

    args = build_parser().parse_args(["demo", "--days", "7"])
    assert args.days == 7 and callable(args.func)
