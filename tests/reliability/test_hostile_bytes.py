"""Issue 16.2 and 16.3: hostile bytes in answers, over HTTP from the sandbox (``bad_text``, ``oversized_id``:
per record, so the same page carries them on every retry and every resume).

- A lone UTF-16 surrogate or bytes that are not UTF-8 used to read as "truncated JSON": retried, and the same
  page failed on every resume. Now the text is repaired (U+FFFD), counted, and the search goes on.
- With a 20-digit number in the same body (the stdlib parser path) the surrogates used to reach Parquet and
  kill the run with an untyped UnicodeEncodeError.
- A row whose id does not fit int64 used to vanish. Now it goes to the quarantine with the raw record and the
  reason; its count is asset metadata and the ``no_quarantined_rows`` check fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.responses import REPLACEMENT
from tiktok_assets.config import load_monitoring
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.defs.research import assets as research
from tiktok_assets.defs.research.resources import ResearchApiResource
from tiktok_assets.lake.datasets import quarantine_of
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.sandbox.research.hostile import OVERSIZED_BASE, original_id
from tiktok_assets.sandbox.testing import running_sandbox

pytestmark = pytest.mark.reliability

QUERY = {"and": [{"operation": "IN", "field_name": "hashtag_name", "field_values": ["cat", "cats", "dog"]}]}
START, END = "20260514", "20260612"


def test_bad_text_is_repaired_counted_and_never_blocks_a_search() -> None:
    with running_sandbox(faults={"bad_text": 0.3}, per_minute=1_000_000) as sandbox:
        client = ResearchClient(sandbox.client_key, sandbox.client_secret, sandbox.research_url)
        pages = list(client.iter_videos(QUERY, START, END))
        truth = {int(k) for k in sandbox.truth("research", "video/query/", {"query": QUERY, "start_date": START,
                                                                           "end_date": END})}  # fmt: skip
        ids = [v["id"] for p in pages for v in p.records]
        assert sorted(ids) == sorted(truth)  # every page read, none twice
        repaired = sum(p.repaired for p in pages)
        descriptions = [v["video_description"] for p in pages for v in p.records]
        assert repaired > 0 and sum(d.count(REPLACEMENT) for d in descriptions) == repaired
        assert all(d.encode("utf-8") for d in descriptions)  # valid Unicode: writable anywhere
        assert client.stats.retries == 0  # bad text is data, not a fault to retry
        client.close()


def test_bad_text_beside_a_20_digit_id_reaches_the_lake_repaired_and_the_id_the_quarantine(
    tmp_path: Path,
) -> None:
    monitoring = load_monitoring()
    assets = research.build_assets(monitoring)
    videos = next(a for a in assets if a.key.path[-1] == "videos_pets")
    tags = {
        "dagster/asset_partition_range_start": "2026-05-14",
        "dagster/asset_partition_range_end": "2026-06-12",
    }
    lake = LakeResource(lake_dir=str(tmp_path / "lake"))
    with running_sandbox(faults={"bad_text": 0.3, "oversized_id": 0.1}, per_minute=1_000_000) as sandbox:
        api = ResearchApiResource(
            base_url=sandbox.research_url, ledger_url=f"sqlite:///{tmp_path / 'q.sqlite'}"
        )
        result = dg.materialize([videos], resources={"research_api": api, "lake": lake}, tags=tags,
                                raise_on_error=False)  # fmt: skip
        assert result.success  # no UnicodeEncodeError at Parquet write
        pets = next(q for q in monitoring.queries if q.name == "pets")
        truth = {int(k) for k in sandbox.truth("research", "video/query/", {"query": pets.query, "start_date": START,
                                                                           "end_date": END})}  # fmt: skip
    stored = [
        i for p in lake.partitions(rds.VIDEOS) for i in lake.read(rds.VIDEOS, p, ["id"])["id"].to_pylist()
    ]
    quarantine = quarantine_of("research")
    held = [row for p in lake.partitions(quarantine) for row in lake.read(quarantine, p).to_pylist()]
    assert held, "the sandbox sent ids beyond int64"
    for row in held:
        raw = json.loads(row["record_json"])
        assert raw["id"] > OVERSIZED_BASE and row["record_key"] == str(raw["id"])  # exact, as received
        assert row["reason"] == f"id {raw['id']} does not fit int64"
    assert sorted(stored + [original_id(int(json.loads(r["record_json"])["id"])) for r in held]) == sorted(
        truth
    )
    # The count is metadata of the partition it belongs to, and the check fails while any is held.
    per_day = {e.partition: e.materialization.metadata["quarantined_rows"].value
               for e in result.get_asset_materialization_events()}  # fmt: skip
    assert sum(per_day.values()) == len(held)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["no_quarantined_rows"] is False and checks["unique_keys"] and checks["non_null_ids"]
    text = [v for p in lake.partitions(rds.VIDEOS) for v in lake.read(rds.VIDEOS, p, ["video_description"])
            ["video_description"].to_pylist()]  # fmt: skip
    assert any(REPLACEMENT in (t or "") for t in text)
    # Repairs are the run's figure: on its summary (an observation without a partition), not a partition's.
    (summary,) = [
        o.asset_observation_data.asset_observation.metadata for o in result.get_asset_observation_events()
    ]
    assert summary["run_text_repaired"].value > 0
    assert summary["run_quarantined_rows"].value == len(held)


def test_a_comment_id_beyond_int64_is_quarantined_and_its_replies_not_asked(tmp_path: Path) -> None:
    """With replies on, a 20-digit comment id used to crash the step (orjson cannot send it back to ask for
    its replies): every attempt failed and the day's comments were never written."""
    from datetime import date

    from tiktok_assets.config import parse_monitoring

    raw = {"date_range": {"start": "2026-01-01"}, "accounts": ["nerali7775"], "hashtags": ["cat", "cats", "dog"],
           "queries": {"pets": {"from": "hashtags"}}, "comments": {"max_videos_per_day": 3, "replies": True}}  # fmt: skip
    monitoring = parse_monitoring(raw, "m.yaml", today=date(2026, 6, 15))
    assets = {a.key.path[-1]: a for a in research.build_assets(monitoring)}
    tags = {"dagster/asset_partition_range_start": "2026-06-01",
            "dagster/asset_partition_range_end": "2026-06-03"}  # fmt: skip
    lake = LakeResource(lake_dir=str(tmp_path / "lake"))
    with running_sandbox(faults={"oversized_id": 0.2}, per_minute=1_000_000) as sandbox:
        api = ResearchApiResource(
            base_url=sandbox.research_url, ledger_url=f"sqlite:///{tmp_path / 'q.sqlite'}"
        )
        result = dg.materialize([assets["videos_pets"], assets["comments"]], resources={"research_api": api, "lake": lake},
                                tags=tags, raise_on_error=False)  # fmt: skip
        assert result.success
    held = [json.loads(row["record_json"]) for p in lake.partitions(quarantine_of("research"))
            for row in lake.read(quarantine_of("research"), p).to_pylist()]  # fmt: skip
    comments = [r for r in held if "video_id" in r and "reply_count" in r]
    assert any(r["id"] > OVERSIZED_BASE and r["reply_count"] for r in comments), "a held comment with replies"
    rows = [r for p in lake.partitions(rds.COMMENTS) for r in lake.read(rds.COMMENTS, p).to_pylist()]
    assert any(
        r["parent_comment_id"] != r["video_id"] for r in rows
    )  # the other comments' replies are stored
