"""Normalizing recorded API payloads into the lake's explicit Arrow schemas."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize, rejected_rows

# The Research datasets by name (the recorded fixtures below are Research API payloads).
DATASETS = {d.name: d for d in rds.DATASETS}
SCHEMAS = {name: d.schema for name, d in DATASETS.items()}

FIXTURES = Path(__file__).parent / "fixtures"


def _data(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["data"]


def test_every_dataset_has_meta_columns_and_typed_ids() -> None:
    for name, schema in SCHEMAS.items():
        for meta in ("collected_at", "window_start", "window_end", "extra_json"):
            assert meta in schema.names, (name, meta)
        assert schema.field("collected_at").type == pa.timestamp("s", tz="UTC")
        ds = DATASETS[name]
        for dim in ds.partition_dims:
            assert dim not in schema.names, f"{name}: partition dim {dim} must live in the path only"
        for field in schema:
            if field.name == "id" or field.name.endswith("_count"):
                assert field.type == pa.int64(), (name, field.name)


TS_UTC = pa.timestamp("s", tz="UTC")
# Lists of ids the API sends as strings of digits (`"effect_ids": ["63960564"]`, like the nested effect_id and
# sticker_id): kept as sent. Turning an existing lake column's type would also break `union_by_name` reads
# over partitions written before. Every other list of ids must be list<int64>.
STRING_ID_LISTS = {"effect_ids"}
STRUCT_COLUMNS = {"video_label", "video_tag"}  # objects
STRUCT_LIST_COLUMNS = {"hashtag_info_list", "sticker_info_list", "effect_info_list"}  # lists of objects
NAME_LIST_COLUMNS = {"hashtag_names", "video_mention_list"}  # lists of tags / user names


def _is_time(name: str) -> bool:
    return name.endswith(("_time", "_updated")) or name in ("collected_at", "window_start", "window_end")


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_column_has_the_type_its_name_promises(name: str) -> None:
    schema = SCHEMAS[name]
    checked: dict[str, list[str]] = {"id": [], "ids": [], "time": [], "names": [], "struct": []}
    for field in schema:
        col, typ = field.name, field.type
        if col == "id" or col.endswith("_id"):
            assert typ == pa.int64(), (name, col, typ)
            checked["id"].append(col)
        elif col.endswith("_ids"):
            want = pa.list_(pa.string()) if col in STRING_ID_LISTS else pa.list_(pa.int64())
            assert typ == want, (name, col, typ)
            checked["ids"].append(col)
        elif _is_time(col):
            assert typ == TS_UTC, (name, col, typ)
            checked["time"].append(col)
        elif col.endswith("_names") or col in NAME_LIST_COLUMNS:
            assert typ == pa.list_(pa.string()), (name, col, typ)
            checked["names"].append(col)
        elif col in STRUCT_COLUMNS:
            assert pa.types.is_struct(typ), (name, col, typ)
            checked["struct"].append(col)
        elif col in STRUCT_LIST_COLUMNS:
            assert pa.types.is_list(typ) and pa.types.is_struct(typ.value_type), (name, col, typ)
            checked["struct"].append(col)
        else:  # anything else must not be an id, a time or a list/struct this test does not know about
            assert not pa.types.is_nested(typ) and not pa.types.is_timestamp(typ), (name, col, typ)
    assert schema.field("extra_json").type == pa.string()
    assert {"collected_at", "window_start", "window_end"} <= set(checked["time"])
    if "create_time" in schema.names:
        assert "create_time" in checked["time"]
    if name in ("videos", "liked_videos", "pinned_videos", "reposted_videos"):
        assert {"id", "music_id", "playlist_id"} <= set(checked["id"]) and "hashtag_names" in checked["names"]
        assert set(checked["struct"]) == STRUCT_COLUMNS | STRUCT_LIST_COLUMNS
    if name == "comments":
        assert {"id", "video_id", "parent_comment_id"} <= set(checked["id"])
    if name == "playlists":
        assert checked["ids"] == ["playlist_video_ids"] and "playlist_last_updated" in checked["time"]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_normalized_tables_keep_the_declared_schema(name: str) -> None:
    """What lands in the lake (structs included) is exactly the declared schema, even for an empty page."""
    table = normalize(DATASETS[name], [], 0, (date(2026, 1, 1), date(2026, 1, 2)))
    assert table.schema == SCHEMAS[name]


def test_structs_survive_normalization_as_structs() -> None:
    record = {"id": 9, "video_label": {"content": "c"}, "video_tag": {"type": "t", "number": 1},
              "sticker_info_list": [{"sticker_id": "s", "sticker_name": "n"}]}  # fmt: skip
    for name in ("videos", "liked_videos"):
        table = normalize(DATASETS[name], [record], 0)
        assert table.schema == SCHEMAS[name]
        row = table.to_pylist()[0]
        assert row["video_label"] == {"content": "c"} and row["video_tag"] == {"type": "t", "number": 1}
        assert row["sticker_info_list"] == [{"sticker_id": "s", "sticker_name": "n"}]


def test_big_ids_stay_exact_int64() -> None:
    videos = _data("c4d_api_videos_response_page_1_of_2.json")["videos"]
    table = normalize(rds.VIDEOS, videos, 1_712_000_000, (date(2024, 1, 1), date(2024, 1, 7)))
    assert table.schema == rds.VIDEOS.schema
    assert table.num_rows == len(videos)
    assert table["id"].to_pylist() == [v["id"] for v in videos]  # above 2^53: a float would corrupt them
    assert table["music_id"].to_pylist() == [v.get("music_id") for v in videos]
    assert table["create_time"][0].as_py() == datetime.fromtimestamp(videos[0]["create_time"], UTC)
    assert table["window_start"][0].as_py() == datetime(2024, 1, 1, tzinfo=UTC)
    assert table["hashtag_names"][0].as_py() == videos[0]["hashtag_names"]


def test_an_id_beyond_int64_is_rejected_not_wrapped() -> None:
    videos = _data("c4d_api_videos_response_page_2_of_2.json")["videos"]
    table = normalize(rds.VIDEOS, videos, 0)
    assert table.num_rows == len(videos) - 1
    assert rejected_rows(table) == 1
    assert 73207681965695992750 not in table["id"].to_pylist()


def test_nul_bytes_are_stripped() -> None:
    videos = _data("c4d_api_videos_response_unicode_with_null_bytes.json")["videos"]
    table = normalize(rds.VIDEOS, videos, 0)
    assert "\x00" not in table["username"][0].as_py()
    assert table["username"][0].as_py() == "حموديالباشا4"
    assert "تيك_توك" in table["hashtag_names"][0].as_py()


def test_old_video_id_key_is_read_as_id() -> None:
    videos = _data("traktok_example_resp_q_videos.json")["videos"]
    table = normalize(rds.VIDEOS, videos, 0)
    assert table["id"].to_pylist() == [702874395068494965, 702874395068494965]
    assert table["effect_ids"][0].as_py() == ["0"]


def test_unknown_fields_and_misfits_go_to_extra_json() -> None:
    record = {"id": 1, "create_time": 5, "brand_new_field": {"a": [1, 2]}, "view_count": "lots",
              "video_tag": {"type": "x", "number": 2, "surprise": True}}  # fmt: skip
    table = normalize(rds.VIDEOS, [record], 0)
    extra = json.loads(table["extra_json"][0].as_py())
    assert extra == {"brand_new_field": {"a": [1, 2]}, "view_count": "lots",
                     "video_tag": {"type": "x", "number": 2, "surprise": True}}  # fmt: skip
    assert table["view_count"][0].as_py() is None
    assert table["video_tag"][0].as_py() is None
    row = normalize(rds.VIDEOS, [{"id": 2, "video_tag": {"type": "t", "number": "7"}}], 0).to_pylist()[0]
    assert row["video_tag"] == {"type": "t", "number": 7} and row["extra_json"] is None


def test_nested_structs_are_kept_as_structs() -> None:
    record = {"id": 3, "hashtag_info_list": [{"hashtag_id": "77", "hashtag_description": "d"}],
              "effect_info_list": [{"effect_id": "e1", "effect_name": "n", "effect_photo_url": "u"}]}  # fmt: skip
    table = normalize(rds.VIDEOS, [record], 0)
    assert pa.types.is_struct(table.schema.field("hashtag_info_list").type.value_type)
    assert table["hashtag_info_list"][0].as_py() == [{"hashtag_id": 77, "hashtag_description": "d"}]


def test_comments_and_user_info_fixtures() -> None:
    comments = _data("c4d_api_comments_response.json")["comments"]
    table = normalize(rds.COMMENTS, comments, 0)
    assert table.num_rows == len(comments)
    assert table["parent_comment_id"].to_pylist() == table["video_id"].to_pylist()
    user = {"username": "someone", "status": "ok", **_data("traktok_example_resp_q_user.json")}
    row = normalize(rds.USER_INFO, [user], 0).to_pylist()[0]
    assert row["likes_count"] == 27155089 and row["is_verified"] is False and row["extra_json"] is None


def test_unknown_dataset_is_named() -> None:
    from tiktok_assets.lake import datasets

    with pytest.raises(KeyError, match="nope"):
        datasets.get("research", "nope")


def test_every_research_column_and_dim_is_described_for_dagster_and_dbt() -> None:
    import yaml

    from tiktok_assets import settings
    from tiktok_assets.collect.catalog import column_schema
    from tiktok_assets.lake import datasets

    sources = yaml.safe_load((settings.dbt_project_dir() / "models" / "sources.yml").read_text())["sources"]
    dbt_tables = {t["name"]: t for s in sources if s["name"] == "research" for t in s["tables"]}
    for ds in datasets.of_source("research"):
        assert ds.undocumented() == [], ds.name
        shown = {c.name: c.description for c in column_schema(ds).columns}
        assert shown == {name: ds.docs[name] for name in ds.schema.names}
        in_dbt = {c["name"]: c.get("description") for c in dbt_tables[ds.name]["columns"]}
        assert in_dbt == {name: ds.docs[name] for name in (*ds.schema.names, *ds.partition_dims)}
