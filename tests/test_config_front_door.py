"""monitoring.yaml at the front door: a syntax error shows its line and caret, and the ``freshness`` windows
are read (or defaulted) and validated with the offending key named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tiktok_assets.config import FreshnessSettings, load_monitoring, parse_monitoring
from tiktok_assets.config.validation import MonitoringConfigError

RAW = {"date_range": {"start": "2026-01-01"}, "hashtags": ["cat"], "queries": {"pets": {"from": "hashtags"}}}


def test_a_yaml_syntax_error_keeps_its_line_and_caret(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text("date_range:\n  start: 2026-01-01\naccounts: [a, b\nhashtags: [cat]\n")
    with pytest.raises(MonitoringConfigError) as caught:
        load_monitoring(path)
    message = str(caught.value)
    first, *report = message.splitlines()
    assert first == f"{path}: (syntax): line 4, column 9: expected ',' or ']', but got ':'"
    # The parser's report keeps its lines: the offending source line, then the caret under the column.
    source = next(i for i, line in enumerate(report) if line.strip() == "hashtags: [cat]")
    assert report[source + 1].strip() == "^"
    assert report[source + 1].index("^") == report[source].index("hashtags") + 8
    assert f'in "{path}", line 4, column 9' in message


def test_an_impossible_date_names_its_key(tmp_path: Path) -> None:
    """PyYAML used to turn 2026-02-30 into a bare ValueError from inside the parser: no file, key or line."""
    path = tmp_path / "monitoring.yaml"
    path.write_text("date_range:\n  start: 2026-02-30\nhashtags: [cat]\nqueries: {pets: {from: hashtags}}\n")
    with pytest.raises(MonitoringConfigError) as caught:
        load_monitoring(path)
    assert caught.value.key == "date_range.start"
    assert str(caught.value) == f"{path}: date_range.start: expected a date YYYY-MM-DD, got '2026-02-30'"
    path.write_text("date_range:\n  start: 2026-01-01\nhashtags: [cat]\nqueries: {pets: {from: hashtags}}\n")
    assert str(load_monitoring(path).start_date) == "2026-01-01"  # a real date still reads as one


def test_a_key_given_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently: an edit lower in the file overrode the one above."""
    path = tmp_path / "monitoring.yaml"
    path.write_text("date_range:\n  start: 2026-01-01\nhashtags: [cat]\nin_limit: 100\n"
                    "queries: {pets: {from: hashtags}}\nin_limit: 50\n")  # fmt: skip
    with pytest.raises(MonitoringConfigError) as caught:
        load_monitoring(path)
    first = str(caught.value).splitlines()[0]
    assert first == f"{path}: (syntax): line 6, column 1: found key 'in_limit' again (first given at line 4)"


def test_what_loaded_before_still_loads(tmp_path: Path) -> None:
    """The stricter reader refuses a key written twice, nothing else YAML allows: a merge (<<: *anchor) may
    override a merged key, and a date-time is read as its day, as PyYAML's own loader did."""
    from tiktok_assets.config.yaml_loader import load_yaml

    merged = "base: &b {x: 1, y: 1}\nother:\n  <<: *b\n  x: 2\n"
    assert load_yaml(merged) == {"base": {"x": 1, "y": 1}, "other": {"x": 2, "y": 1}}
    path = tmp_path / "monitoring.yaml"
    path.write_text(
        "date_range:\n  start: 2026-01-05 10:00:00\nhashtags: [cat]\nqueries: {pets: {from: hashtags}}\n"
    )
    assert str(load_monitoring(path).start_date) == "2026-01-05"
    path.write_text("date_range:\n  start: 2026-01-05\n? [a, b]\n: 1\n")
    with pytest.raises(MonitoringConfigError, match="found an unhashable key"):  # not a bare TypeError
        load_monitoring(path)


def test_freshness_defaults_follow_each_cadence() -> None:
    freshness = parse_monitoring(RAW, "m.yaml").freshness
    assert freshness == FreshnessSettings()
    assert (freshness.daily.warn_after, freshness.daily.fail_after) == (
        timedelta(hours=27),
        timedelta(hours=51),
    )
    assert freshness.weekly.warn_after == timedelta(days=7, hours=3)


def test_freshness_windows_are_read_from_the_file() -> None:
    raw = {
        **RAW,
        "freshness": {"daily": {"warn_after": "90m", "fail_after": "1d2h"}, "weekly": {"warn_after": "8d"}},
    }
    freshness = parse_monitoring(raw, "m.yaml").freshness
    assert (freshness.daily.warn_after, freshness.daily.fail_after) == (
        timedelta(minutes=90),
        timedelta(hours=26),
    )
    assert freshness.weekly.warn_after == timedelta(days=8)
    assert freshness.weekly.fail_after == FreshnessSettings().weekly.fail_after


@pytest.mark.parametrize(
    ("freshness", "problem"),
    [
        ({"daily": {"warn_after": "soon"}}, "freshness.daily.warn_after: expected a duration like 90m"),
        ({"daily": {"warn_after": "0m"}}, "freshness.daily.warn_after: must be at least 1m"),
        (
            {"daily": {"warn_after": "2d", "fail_after": "1d"}},
            "freshness.daily: warn_after .* must be shorter",
        ),
        ({"hourly": {"warn_after": "2h"}}, "freshness.hourly: unknown key"),
        ({"daily": {"warn": "2h"}}, "freshness.daily.warn: unknown key"),
    ],
)
def test_a_bad_freshness_window_names_its_key(freshness: dict, problem: str) -> None:
    with pytest.raises(MonitoringConfigError, match=problem):
        parse_monitoring({**RAW, "freshness": freshness}, "m.yaml")


def test_a_window_error_echoes_the_durations_as_written_and_an_empty_file_names_no_key(
    tmp_path: Path,
) -> None:
    """The error quotes what the user wrote (or the default, in the file's own syntax), never Python's
    ``1 day, 3:00:00``; a problem with the whole file names no key."""
    freshness = {"daily": {"warn_after": "2d", "fail_after": "36h"}, "weekly": {"warn_after": "15d"}}
    with pytest.raises(MonitoringConfigError) as caught:
        parse_monitoring({**RAW, "freshness": {"daily": freshness["daily"]}}, "m.yaml")
    assert (
        str(caught.value) == "m.yaml: freshness.daily: warn_after (2d) must be shorter than fail_after (36h)"
    )
    with pytest.raises(MonitoringConfigError) as caught:
        parse_monitoring({**RAW, "freshness": {"weekly": freshness["weekly"]}}, "m.yaml")
    assert str(caught.value) == (
        "m.yaml: freshness.weekly: warn_after (15d) must be shorter than fail_after (14d3h by default)"
    )
    path = tmp_path / "monitoring.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(MonitoringConfigError) as caught:
        load_monitoring(path)
    assert str(caught.value) == f"{path}: the file is empty" and caught.value.key == ""
    with pytest.raises(MonitoringConfigError) as caught:
        parse_monitoring(["a", "list"], "m.yaml")
    assert str(caught.value) == "m.yaml: expected a mapping, got list"
