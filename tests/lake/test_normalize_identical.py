"""The columnar ``normalize`` builds exactly the tables of the row-wise one it replaced (``reference_normalize``):
schema, values, nulls, order, ``extra_json``, rejected rows and quarantine rows in the metadata.

Compared on real sandbox pages of every dataset of every source (with bad text and 20-digit ids injected), on
captured pages (NUL bytes), and on real records bent the ways an API or a client bends them (counts as text,
floats, flattened tag lists, unknown sub-fields, absent / null / empty values, NULs deep inside structs).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pytest
from normalize_pages import COLLECTED_AT, SandboxPage, fetch_pages
from reference_normalize import normalize as reference_normalize

from tiktok_assets.endpoints import ensembledata as ed_endpoints
from tiktok_assets.endpoints import research as research_endpoints
from tiktok_assets.lake import normalize_columns
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.datasets import vce as vce_ds
from tiktok_assets.lake.normalize import normalize, quarantined, rejected_rows

FIXTURES = Path(__file__).parent / "fixtures"
WINDOW = (date(2026, 5, 1), date(2026, 5, 10))


def assert_identical(
    records: list[dict[str, Any]], dataset: Any, label: str, window: Any = WINDOW
) -> pa.Table:
    got = normalize(dataset, copy.deepcopy(records), COLLECTED_AT, window)
    want = reference_normalize(dataset, copy.deepcopy(records), COLLECTED_AT, window)
    assert got.schema.equals(want.schema, check_metadata=True), (
        f"{label}: schema\n{got.schema}\n{want.schema}"
    )
    for name in want.column_names:  # the first differing column, for a readable failure
        assert got[name].equals(want[name]), f"{label}: column {name}\n{got[name]}\n{want[name]}"
    assert got.equals(want, check_metadata=True), label
    return got


@pytest.fixture(scope="module")
def sandbox_pages() -> list[SandboxPage]:
    return fetch_pages()


def test_sandbox_pages_of_every_dataset_are_identical(sandbox_pages: list[SandboxPage]) -> None:
    tables = [assert_identical(p.records, p.dataset, p.label) for p in sandbox_pages]
    covered = {p.dataset.qualified_name for p in sandbox_pages if p.records}
    expected = {e.dataset.qualified_name for e in research_endpoints.ENDPOINTS}
    expected |= {d.qualified_name for d in vce_ds.DATASETS}
    expected |= {
        e.dataset.qualified_name for e in ed_endpoints.ENDPOINTS if e.path not in ("customer/get-history",)
    }
    assert expected - covered <= {"ensembledata/units"}, f"datasets without a page: {expected - covered}"
    # The faults reached the pages: repaired text, and ids quarantined rather than kept or lost.
    assert sum(p.repaired for p in sandbox_pages) > 0
    assert sum(rejected_rows(t) for t in tables) > 0
    rows = sum(len(p.records) for p in sandbox_pages)
    assert sum(t.num_rows + rejected_rows(t) for t in tables) == rows


def test_a_clean_page_visits_no_value_in_python(sandbox_pages: list[SandboxPage]) -> None:
    """The speed claim as behaviour: a Research video page whose ids fit never reaches the per-value rules
    (repaired text is valid text)."""
    page = next(
        p for p in sandbox_pages if p.label == "research video/query" and p.repaired and len(p.records) > 50
    )
    clean = [r for r in page.records if isinstance(r.get("id"), int) and r["id"] < 2**63]
    with mock.patch.object(normalize_columns, "coerce", wraps=normalize_columns.coerce) as per_value:
        table = normalize(rds.VIDEOS, clean, COLLECTED_AT, WINDOW)
    assert table.num_rows == len(clean)
    assert per_value.call_count == 0


def test_captured_pages_are_identical() -> None:
    for name, dataset, key in (
        ("c4d_api_videos_response_unicode_with_null_bytes.json", rds.VIDEOS, "videos"),
        ("c4d_api_videos_response_page_1_of_2.json", rds.VIDEOS, "videos"),
        ("traktok_example_resp_q_videos.json", rds.VIDEOS, "videos"),
        ("c4d_api_comments_response.json", rds.COMMENTS, "comments"),
    ):
        records = json.loads((FIXTURES / name).read_text())["data"][key]  # NULs kept: normalize strips them
        table = assert_identical(records, dataset, name)
        if "null_bytes" in name:
            assert "\x00" not in table["username"][0].as_py()


def _set(field: str, value: Any) -> Callable[[dict[str, Any], int], None]:
    def bend(record: dict[str, Any], i: int) -> None:
        record[field] = value

    return bend


def _drop(field: str) -> Callable[[dict[str, Any], int], None]:
    def bend(record: dict[str, Any], i: int) -> None:
        record.pop(field, None)

    return bend


def _alias(record: dict[str, Any], i: int) -> None:
    record["video_id"] = record.pop("id")  # an older example's name for the id


def _both_names(record: dict[str, Any], i: int) -> None:
    record["video_id"] = record["id"] + 1  # both names: the old one is kept verbatim in extra_json


def _nul_in_struct(record: dict[str, Any], i: int) -> None:
    record["hashtag_info_list"] = [{"hashtag_id": 5, "hashtag_description": "a\x00b"}]


BENDS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "count as text": _set("view_count", "12"),
    "count as padded negative text": _set("like_count", " -7 "),
    "count as integral float": _set("share_count", 3.0),
    "count as fraction": _set("share_count", 3.5),
    "count as word": _set("comment_count", "lots"),
    "count as bool": _set("favorites_count", True),
    "count beyond int64": _set("view_count", 2**64),
    "id beyond int64": _set("id", 7 * 10**19),
    "id as text": _set("id", "7435406205763226897"),
    "id missing": _drop("id"),
    "id null": _set("id", None),
    "old id name": _alias,
    "old and new id names": _both_names,
    "time as datetime": _set("create_time", datetime(2026, 5, 2, 3, 4, 5, tzinfo=UTC)),
    "time as text": _set("create_time", "1777593600"),
    "text as number": _set("username", 12345),
    "text as object": _set("region_code", {"code": "US"}),
    "text with NUL": _set("video_description", "a\x00b\x00"),
    "bool as 0/1": _set("is_stem_verified", 1),
    "bool as 2": _set("is_stem_verified", 2),
    "tag list flattened": _set("hashtag_names", "fyp,cat,,dog"),
    "tag list with NUL": _set("hashtag_names", ["f\x00yp"]),
    "tag list of numbers": _set("effect_ids", [1, 2]),
    "tag list empty": _set("hashtag_names", []),
    "tag list as object": _set("hashtag_names", {"a": 1}),
    "struct unknown sub-field": _set("video_label", {"content": "x", "new": 1}),
    "struct empty": _set("video_label", {}),
    "struct as text": _set("video_tag", "ad"),
    "struct sub-field as text": _set("video_tag", {"type": "ad", "number": "3"}),
    "struct with NUL": _nul_in_struct,
    "list of structs partial": _set("hashtag_info_list", [{"hashtag_id": 1}, {"hashtag_description": "d"}]),
    "list of structs unknown": _set("sticker_info_list", [{"sticker_id": "1", "extra": True}]),
    "optional null": _set("voice_to_text", None),
    "optional absent": _drop("music_id"),
    "optional empty text": _set("voice_to_text", ""),
    "unknown top-level field": _set("brand_new_field", {"nested": [1, "two"]}),
}


@pytest.mark.parametrize("bend", sorted(BENDS))
@pytest.mark.parametrize("every", [1, 3])  # every record bent (a whole column), or a few among clean ones
def test_bent_records_are_identical(sandbox_pages: list[SandboxPage], bend: str, every: int) -> None:
    page = next(p for p in sandbox_pages if p.label == "research video/query" and len(p.records) > 50)
    records = copy.deepcopy(page.records)
    for i, record in enumerate(records):
        if i % every == 0:
            BENDS[bend](record, i)
    table = assert_identical(records, rds.VIDEOS, bend)
    assert table.num_rows + len(quarantined(table)) == len(records)


def test_pages_without_rows_and_without_window_are_identical() -> None:
    assert_identical([], rds.VIDEOS, "empty page")
    assert_identical([{"id": 1}], rds.VIDEOS, "no window", window=None)
    assert_identical([{"id": None}], rds.VIDEOS, "only a quarantined row", window=None)
