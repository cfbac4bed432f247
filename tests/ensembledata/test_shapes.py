"""From TikTok's aweme shape to typed lake rows: every column typed as declared, every key the shape does not
read kept in extra_json (nothing the API sends is lost), ids exact, the web and app user shapes alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa

from tiktok_assets.endpoints import ensembledata_shapes as shapes
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.lake.normalize import normalize

POST = {
    "aweme_id": "7646563635526899456",
    "desc": "hi\x00 #cat",
    "create_time": 1780354333,
    "author": {"uid": "7574155661430834878", "unique_id": "a", "sec_uid": "MS4w", "nickname": "A",
               "signature": "s", "follower_count": 3},
    "music": {"id": 7002502955527355131, "id_str": "7002502955527355131", "title": "t", "author": "m",
              "duration": 30, "original": False, "play_url": {"url_list": ["u"]}},
    "statistics": {"aweme_id": "7646563635526899456", "play_count": 10, "digg_count": 2, "comment_count": 1,
                   "share_count": 0, "collect_count": 4, "download_count": 0, "forward_count": 0,
                   "whatsapp_share_count": 7},
    "text_extra": [{"type": 1, "hashtag_name": "cat", "start": 3}, {"type": 0, "unique_id": "bob"}],
    "region": "US", "is_top": 1, "aweme_type": 0, "share_url": "https://www.tiktok.com/@a/video/1",
    "video": {"duration": 15000, "cover": {"url_list": ["c"]}},
    "anchor_info": {"new": "key"},
}  # fmt: skip


def test_an_aweme_post_becomes_typed_columns_and_keeps_every_other_key() -> None:
    table = normalize(ds.USER_POSTS, [shapes.POST.row(POST)], datetime(2026, 6, 15, tzinfo=UTC))
    assert table.schema == ds.USER_POSTS.schema
    [row] = table.to_pylist()
    assert row["aweme_id"] == 7646563635526899456 and row["description"] == "hi #cat"  # exact id, NUL gone
    assert row["author"] == {"uid": 7574155661430834878, "unique_id": "a", "sec_uid": "MS4w", "nickname": "A"}
    assert (
        row["music"]["id"] == 7002502955527355131
        and row["hashtags"] == ["cat"]
        and row["mentions"] == ["bob"]
    )
    assert (row["play_count"], row["collect_count"], row["duration_ms"], row["is_top"]) == (
        10,
        4,
        15000,
        True,
    )
    assert table.schema.field("create_time").type == pa.timestamp("s", tz="UTC")
    extra = json.loads(row["extra_json"])
    assert extra["anchor_info"] == {"new": "key"} and extra["statistics.whatsapp_share_count"] == 7
    assert extra["author.signature"] == "s" and extra["author.follower_count"] == 3
    assert extra["music.play_url"] == {"url_list": ["u"]} and extra["video.cover"] == {"url_list": ["c"]}
    assert extra["text_extra"] == POST["text_extra"]  # read for hashtags and mentions, kept whole
    assert "statistics.aweme_id" not in extra and "music.id_str" not in extra  # repeats are not kept twice


def test_an_id_too_big_for_int64_is_kept_verbatim() -> None:
    post = {
        **POST,
        "aweme_id": "7646563635526899456",
        "author": {**POST["author"], "uid": "99999999999999999999"},
    }
    [row] = normalize(ds.USER_POSTS, [shapes.POST.row(post)], 0).to_pylist()
    assert row["author"] is None and json.loads(row["extra_json"])["author"]["uid"] == "99999999999999999999"


def test_web_and_app_user_shapes_fill_the_same_columns() -> None:
    web = {
        "user": {
            "id": "75",
            "uniqueId": "a",
            "secUid": "MS4w",
            "nickname": "A",
            "verified": True,
            "privateAccount": False,
            "createTime": 1600000000,
            "bioLink": {"link": "x"},
        },
        "stats": {"followerCount": 5, "followingCount": 6, "heartCount": 7, "videoCount": 8, "diggCount": 9},
    }
    app = {"user": {"uid": "75", "unique_id": "a", "sec_uid": "MS4w", "nickname": "A", "verification_type": 1,
                    "secret": 0, "create_time": 1600000000, "follower_count": 5, "following_count": 6,
                    "total_favorited": 7, "aweme_count": 8, "favoriting_count": 9, "category": "Creator"}}  # fmt: skip
    rows = [
        normalize(ds.USER_INFO, [{**shape.row(record), "username": "a", "status": "ok"}], 0).to_pylist()[0]
        for shape, record in ((shapes.WEB_USER, web), (shapes.APP_USER, app))
    ]
    columns = [f.name for f in ds.USER_FIELDS]
    assert {c: rows[0][c] for c in columns} == {c: rows[1][c] for c in columns}
    assert (
        rows[0]["follower_count"] == 5 and rows[0]["verified"] is True and rows[0]["private_account"] is False
    )
    assert json.loads(rows[0]["extra_json"]) == {"user.bioLink": {"link": "x"}}
    assert json.loads(rows[1]["extra_json"]) == {"user.category": "Creator"}
