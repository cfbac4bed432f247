"""Issue 16.9: the sandbox answers every request the real API answers. A widely used public collector sends
``"cursor": null, "search_id": null`` on its first video page; the sandbox used to crash on it (500 "sandbox
internal error (bug)"). Per endpoint, each optional field sent as null, absent and empty gets the answer the
request without it gets.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

pytestmark = pytest.mark.reliability

WORLD = World(7, "small")
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused and a.likes_public
            and a.following_public).username  # fmt: skip
QUERY = {"and": [{"operation": "IN", "field_name": "hashtag_name", "field_values": ["cat", "dog"]}]}


def _first_video(raw: ResearchRaw) -> int:
    body = {"query": QUERY, "start_date": "20260601", "end_date": "20260612", "max_count": 100}
    videos = raw.data("video/query/", body, "id,comment_count,playlist_id")["videos"]
    return next(v["id"] for v in videos if v.get("comment_count"))


# endpoint → (the required body, its optional fields)
def endpoints(raw: ResearchRaw) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    video_id = _first_video(raw)
    out = {
        "video/query/": ({"query": QUERY, "start_date": "20260601", "end_date": "20260612"},
                         ("max_count", "cursor", "search_id", "is_random")),
        "video/comment/list/": ({"video_id": video_id}, ("max_count", "cursor", "comment_id")),
        "user/info/": ({"username": USER}, ()),
        "user/liked_videos/": ({"username": USER}, ("max_count", "cursor")),
        "user/pinned_videos/": ({"username": USER}, ()),
        "user/reposted_videos/": ({"username": USER}, ("max_count", "cursor")),
        "user/followers/": ({"username": USER}, ("max_count", "cursor")),
        "user/following/": ({"username": USER}, ("max_count", "cursor")),
    }  # fmt: skip
    body = {"query": QUERY, "start_date": "20260501", "end_date": "20260530", "max_count": 100}
    videos = raw.data("video/query/", body, "id,playlist_id")["videos"]
    playlist = next(v["playlist_id"] for v in videos if v.get("playlist_id"))
    out["playlist/info/"] = ({"playlist_id": playlist}, ("max_count", "cursor"))
    return out


def answer(raw: ResearchRaw, path: str, body: dict[str, Any], fields: str | None = None) -> dict[str, Any]:
    r = raw.post(path, body, fields)
    assert r.status_code == 200, (path, body, fields, r.status_code, r.text[:300])
    data = orjson.loads(r.content)["data"]
    data.pop("search_id", None)  # a new search each time
    return data


def test_each_optional_field_as_null_absent_and_empty_gets_the_same_answer(research: ResearchRaw) -> None:
    for path, (required, optional) in endpoints(research).items():
        expected = answer(research, path, required)
        for name in optional:
            for value in (None, ""):
                assert answer(research, path, {**required, name: value}) == expected, (path, name, value)
        if optional:  # all of them at once
            assert answer(research, path, {**required, **dict.fromkeys(optional)}) == expected, path
        # ?fields= sent empty is the default field list, as when absent.
        if path not in ("user/followers/", "user/following/"):
            assert answer(research, path, required, "") == expected, path


def test_the_public_collectors_first_video_page(research: ResearchRaw) -> None:
    body = {"query": QUERY, "start_date": "20260601", "end_date": "20260612", "max_count": 100,
            "cursor": None, "search_id": None}  # fmt: skip
    data = answer(research, "video/query/", body)
    assert data["videos"] and {"cursor", "has_more"} <= set(data)


def test_query_parts_sent_null_or_empty_are_accepted(research: ResearchRaw) -> None:
    body = {"start_date": "20260601", "end_date": "20260612"}
    expected = answer(research, "video/query/", {**body, "query": QUERY})
    for value in (None, []):
        assert (
            answer(research, "video/query/", {**body, "query": {**QUERY, "or": value, "not": value}})
            == expected
        )
