"""Comment replies against the sandbox's truth (the shipped config leaves them off), and the ensembledata:
part of monitoring.yaml: every bad value is refused at load with its key named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from ed_support import ed_assets, resources_for

from tiktok_assets.config import MonitoringConfigError, parse_monitoring
from tiktok_assets.defs.ensembledata.days import top_commented
from tiktok_assets.endpoints import ensembledata as ed
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.sandbox.testing import running_sandbox

BASE = {"date_range": {"start": "2026-01-01"}, "accounts": ["nerali7775", "lorali_"],
        "queries": {"accounts": {"from": "accounts"}}}  # fmt: skip


def test_replies_equal_truth(tmp_path: Path) -> None:
    raw = {**BASE, "accounts": ["lorali_", "yuru__3134"], "ensembledata": {"comments": {"replies": True}}}
    monitoring = parse_monitoring(raw, "m.yaml", today=date(2026, 6, 15))
    assets = ed_assets(monitoring)
    day = "2026-06-04"  # two posts with a few comments each: small, and replies to collect
    with running_sandbox(per_minute=1_000_000) as sandbox:
        resources = resources_for(sandbox, tmp_path)
        keys = [assets["user_posts"].key, assets["comments"].key]
        result = dg.materialize(list(assets.values()), selection=keys, partition_key=day, resources=resources)
        assert result.success
        lake, replies = resources["lake"], 0
        posts = lake.read(ds.USER_POSTS, {"date": day}, ["aweme_id", "comment_count"])
        expected: set[int] = set()
        for aweme_id in top_commented(posts, monitoring.ensembledata):
            top = {int(k) for k in sandbox.truth("ensembledata", ed.COMMENTS.path, {"aweme_id": aweme_id})}
            expected |= top
            for cid in top:
                params = {"aweme_id": aweme_id, "comment_id": cid}
                found = {int(k) for k in sandbox.truth("ensembledata", ed.COMMENT_REPLIES.path, params)}
                expected |= found
                replies += len(found)
        got = lake.read(ds.COMMENTS, {"date": day}, ["cid"])["cid"].to_pylist()
        assert len(got) == len(set(got)) and set(got) == expected
        assert replies > 0  # replies were there to collect, and were collected


@pytest.mark.parametrize(
    "section, key, problem",
    [
        ({"keyword_search": {"period": 2}}, "ensembledata.keyword_search.period", "not one of 0, 1, 7, 30, 90, 180"),
        ({"keyword_search": {"country": "usa"}}, "ensembledata.keyword_search.country", "ISO 3166"),
        ({"keyword_search": {"sorting": 3}}, "ensembledata.keyword_search.sorting", "not one of"),
        ({"keyword_search": {"match_exactly": "yes"}}, "ensembledata.keyword_search.match_exactly", "true or false"),
        ({"music_search": {"filter_by": 9}}, "ensembledata.music_search.filter_by", "not one of"),
        ({"daily_units": 0}, "ensembledata.daily_units", "at least 1"),
        ({"music": ["abc"]}, "ensembledata.music[0]", "does not match"),
        ({"sec_uids": {"someone": "MS4wLjABAAAAx"}}, "ensembledata.sec_uids.someone", "unknown key"),
        ({"sec_uids": {"nerali7775": "nope"}}, "ensembledata.sec_uids.nerali7775", "secUid"),
        ({"post_urls": ["https://example.com/v/1"]}, "ensembledata.post_urls[0]", "does not match"),
        ({"comments": {"replies": 1}}, "ensembledata.comments.replies", "true or false"),
        ({"reconciliation": {"max_coverage_gap": 2}}, "ensembledata.reconciliation.max_coverage_gap", "between 0 and 1"),
        ({"posts_per_day": -1}, "ensembledata.posts_per_day", "positive"),
        ({"typo": 1}, "ensembledata.typo", "unknown key"),
    ],
)  # fmt: skip
def test_bad_settings_name_their_key(section: dict, key: str, problem: str) -> None:
    with pytest.raises(MonitoringConfigError) as refused:
        parse_monitoring({**BASE, "ensembledata": section}, "m.yaml", today=date(2026, 6, 15))
    assert refused.value.key == key and problem in refused.value.problem


def test_defaults_and_music_ids_as_yaml_ints() -> None:
    monitoring = parse_monitoring({**BASE, "ensembledata": {"music": [7085119975306252005]}}, "m.yaml",
                                  today=date(2026, 6, 15))  # fmt: skip
    settings = monitoring.ensembledata
    assert settings.music == ("7085119975306252005",) and settings.daily_units is None
    assert settings.keyword_search.params() == {
        "period": 30,
        "sorting": 0,
        "country": None,
        "match_exactly": False,
    }
    assert settings.comments.replies is False and settings.max_coverage_gap == 0.05
