"""analysis/data_quality with replies switched off in monitoring.yaml (`comments.replies: false`, the shipped
default): the report says replies were not collected by configuration instead of a reply coverage of ~0."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tiktok_assets.analysis import quality
from tiktok_assets.config import current_monitoring, monitoring_path
from tiktok_assets.defs.analysis import assets as analysis
from tiktok_assets.defs.lake_resource import LakeResource

# Two videos whose comments were collected; the API reports 40 replies, none stored (replies off).
THREADS_NO_REPLIES = [(1, 10, 0, 10, 25), (2, 5, 0, 5, 15)]
THREADS_WITH_REPLIES = [(1, 10, 20, 10, 25), (2, 5, 10, 5, 15)]


def make_warehouse(path: Path, threads: list[tuple[int, int, int, int, int]]) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.comment_threads (video_id bigint, top_level_comments bigint, replies bigint, "
            "comments_reported bigint, replies_reported bigint)"
        )
        con.executemany("insert into marts.comment_threads values (?, ?, ?, ?, ?)", threads)
    finally:
        con.close()


def coverage(tmp_path: Path, threads: list, replies_enabled: bool) -> dict:
    db = tmp_path / "w.duckdb"
    make_warehouse(db, threads)
    con = duckdb.connect(str(db), read_only=True)
    try:
        return quality.comment_coverage(con, replies_enabled=replies_enabled)
    finally:
        con.close()


def test_replies_off_and_none_stored_is_not_a_coverage_of_zero(tmp_path: Path) -> None:
    out = coverage(tmp_path, THREADS_NO_REPLIES, replies_enabled=False)
    assert out["replies_collected"] is False
    assert out["reply_coverage"] is None
    assert out["replies_stored"] == 0 and out["replies_reported"] == 40  # still reported, for information
    assert out["comment_coverage"] == pytest.approx(1.0)


def test_replies_on_and_none_stored_is_a_coverage_of_zero(tmp_path: Path) -> None:
    out = coverage(tmp_path, THREADS_NO_REPLIES, replies_enabled=True)
    assert out["replies_collected"] is True
    assert out["reply_coverage"] == 0.0  # asked for and lost: the failure it should look like


def test_replies_stored_earlier_still_count_when_the_flag_is_off_now(tmp_path: Path) -> None:
    out = coverage(tmp_path, THREADS_WITH_REPLIES, replies_enabled=False)
    assert out["replies_collected"] is True
    assert out["reply_coverage"] == pytest.approx(30 / 40)


def materialize_data_quality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replies: bool) -> dict:
    """The asset itself, over an empty lake and a warehouse holding only marts.comment_threads."""
    text = monitoring_path().read_text(encoding="utf-8")
    assert "  replies: false\n" in text, "the shipped monitoring.yaml turns replies off"
    config = tmp_path / "monitoring.yaml"
    config.write_text(text.replace("  replies: false\n", f"  replies: {str(replies).lower()}\n"), "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    make_warehouse(data / "warehouse.duckdb", THREADS_NO_REPLIES)
    monkeypatch.setenv("TIKTOK_MONITORING", str(config))
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(data))
    for var in ("TIKTOK_LAKE_DIR", "TIKTOK_DUCKDB_PATH"):
        monkeypatch.delenv(var, raising=False)
    with dg.DagsterInstance.ephemeral() as instance:
        data_quality = analysis.data_quality_asset(current_monitoring())  # as the code location loads it
        result = dg.materialize([data_quality], instance=instance, resources={"lake": LakeResource()})
    assert result.success
    (event,) = result.get_asset_materialization_events()
    return dict(event.materialization.metadata)


def test_data_quality_says_replies_were_not_collected_by_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = materialize_data_quality(tmp_path, monkeypatch, replies=False)
    assert metadata["replies_collected"].value is False
    assert isinstance(metadata["reply_coverage"], dg.NullMetadataValue)
    assert "comments.replies is false" in metadata["replies"].value
    assert metadata["replies_reported"].value == 40


def test_data_quality_reports_reply_coverage_when_replies_are_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = materialize_data_quality(tmp_path, monkeypatch, replies=True)
    assert metadata["replies_collected"].value is True
    assert metadata["reply_coverage"].value == 0.0
    assert "replies" not in metadata


def test_coverage_never_passes_1_when_counts_lag_the_comments(tmp_path: Path) -> None:
    # Video 1's count (10) lags its comments (12 collected): 2 beyond the count, not a coverage of 17/15.
    out = coverage(tmp_path, [(1, 12, 0, 10, 25), (2, 4, 0, 5, 15)], replies_enabled=False)
    assert out["comment_coverage"] == pytest.approx((10 + 4) / 15)
    assert out["comments_beyond_reported"] == 2 and out["videos_beyond_reported"] == 1
    assert out["comments_stored"] == 16 and out["comments_reported"] == 15
