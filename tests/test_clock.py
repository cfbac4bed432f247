"""One clock for every date decision: the daily partitions end where the backend's days end, whether its
clock (``TIKTOK_CLOCK_NOW``, a sandbox's) is before or after the wall clock; monitoring.yaml's dates are
judged by it too."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest

from tiktok_assets.clock import ClockConfigError, clock_now, day_span, day_start, last_complete_day
from tiktok_assets.config import parse_monitoring
from tiktok_assets.config.validation import MonitoringConfigError
from tiktok_assets.defs.research.partitions import DAILY_END_OFFSET, daily_partitions, snapshot_partitions

START = date(2026, 1, 1)
RAW = {"date_range": {"start": "2026-01-01"}, "hashtags": ["cat"], "queries": {"pets": {"from": "hashtags"}}}


def _wall_today() -> date:
    return datetime.now(UTC).date()


def test_a_clock_ahead_of_the_wall_has_every_one_of_its_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """365 complete days at a sandbox clock a year from today: 365 partitions, not the ~wall's count."""
    now = datetime.combine(_wall_today() + timedelta(days=400), datetime.min.time(), UTC) + timedelta(
        hours=12
    )
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", now.isoformat())
    last = last_complete_day(now)
    first = last - timedelta(days=364)
    keys = daily_partitions(first).get_partition_keys()
    assert (len(keys), keys[0], keys[-1]) == (365, first.isoformat(), last.isoformat())
    assert snapshot_partitions(first).get_last_partition_key() == now.date().isoformat()  # today included


def test_a_clock_behind_the_wall_ends_at_its_own_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    assert daily_partitions(START).get_last_partition_key() == "2026-06-12"  # date(now - 48h) - 1 day
    assert snapshot_partitions(START).get_last_partition_key() == "2026-06-15"


def test_under_a_fixed_clock_the_wall_clock_never_moves_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webserver, daemon and run workers evaluate partitions at their own wall time: any of them, on any
    day since the start, sees the same last day (and the same definition)."""
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2027-01-03T12:00:00Z")
    pdef = daily_partitions(START)
    assert pdef == daily_partitions(START)
    for wall in (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2028, 5, 1, tzinfo=UTC),
    ):
        with dg.partition_loading_context(effective_dt=wall):
            assert pdef.get_last_partition_key() == "2026-12-31", wall
            assert len(pdef.get_partition_keys()) == 365, wall


def test_on_the_wall_clock_dagster_moves_the_end_every_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOK_CLOCK_NOW", raising=False)
    pdef = daily_partitions(START)
    assert (pdef.end, pdef.end_offset) == (None, DAILY_END_OFFSET)
    for wall in (datetime(2026, 6, 15, 0, 0, tzinfo=UTC), datetime(2026, 6, 15, 23, 59, tzinfo=UTC)):
        assert pdef.get_partition_keys(current_time=wall)[-1] == last_complete_day(wall).isoformat()
    # An explicit end in monitoring.yaml still bounds it.
    assert daily_partitions(START, date(2026, 3, 31)).get_partition_keys()[-1] == "2026-03-31"


def test_a_malformed_clock_is_a_clear_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "next tuesday")
    with pytest.raises(ClockConfigError, match="TIKTOK_CLOCK_NOW='next tuesday' is not an ISO 8601 instant"):
        clock_now()


def test_monitoring_dates_are_judged_by_the_backend_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = _wall_today() + timedelta(days=30)
    raw = {**RAW, "date_range": {"start": ahead.isoformat()}}
    monkeypatch.delenv("TIKTOK_CLOCK_NOW", raising=False)
    with pytest.raises(MonitoringConfigError, match="date_range.start: .* is in the future"):
        parse_monitoring(raw, "m.yaml")
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", f"{ahead + timedelta(days=10)}T00:00:00Z")
    assert parse_monitoring(raw, "m.yaml").start_date == ahead


def test_quota_left_counts_the_backend_clocks_day(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    """The client spends on the sandbox's day; the quota left a run reports is that day's, not the wall's."""
    from tiktok_assets.clients.quota import QuotaLedger
    from tiktok_assets.defs.research.resources import ResearchApiResource

    url = f"sqlite:///{tmp_path / 'quota.sqlite'}"
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    QuotaLedger(url).charge("research", "video", requests=40, day=date(2026, 6, 15))
    resource = ResearchApiResource(ledger_url=url, daily_video_requests=1_000)
    assert resource.quota_left()["video_requests_left"] == 960
    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-16T00:00:01Z")  # after the UTC reset
    assert resource.quota_left()["video_requests_left"] == 1_000


def test_every_api_client_counts_quota_on_the_backend_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # noqa: ANN001
    from tiktok_assets import backends

    monkeypatch.setenv("TIKTOK_CLOCK_NOW", "2026-06-15T12:00:00Z")
    ledger = f"sqlite:///{tmp_path / 'quota.sqlite'}"
    expected = datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp()
    research = backends.research_client(base_url="http://127.0.0.1:9", ledger_url=ledger)
    ensembledata = backends.ensembledata_client(base_url="http://127.0.0.1:9", ledger_url=ledger)
    try:
        assert research.clock() == ensembledata.clock() == expected
    finally:
        research.close()
        ensembledata.close()


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2028, 2, 29), date(2026, 3, 29), date(2026, 12, 31)])
def test_a_day_starts_at_its_utc_midnight_whatever_the_local_zone(
    day: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every day window (partitions, VCE tasks, EnsembleData walks) starts at ``day_start``: UTC, not local."""
    monkeypatch.setenv("TZ", "Europe/Berlin")  # 2026-03-29 is a DST change there
    time.tzset()
    try:
        assert datetime.fromtimestamp(day_start(day), UTC) == datetime(
            day.year, day.month, day.day, tzinfo=UTC
        )
        assert day_start(day + timedelta(days=1)) - day_start(day) == 86_400
        assert day_span(day) == (day_start(day), day_start(day) + 86_400)  # [start, end): end is the next day
        assert day_span(day, day + timedelta(days=2)) == (day_start(day), day_start(day) + 3 * 86_400)
    finally:
        monkeypatch.undo()
        time.tzset()
