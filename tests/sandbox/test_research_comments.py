"""video/comment/list/: index cursor, the 1,000 cap, replies via comment_id, masking, field selection."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import World

NOW = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
WORLD = World(7, "small")


def _visible(v: Any) -> bool:
    return v.deleted_time is None and not WORLD.accounts[v.author_index].is_private


def _videos() -> list[Any]:
    return [
        v for d in WORLD.days(date(2026, 1, 1), date(2026, 3, 1)) for v in WORLD.videos_on(d) if _visible(v)
    ]


BIG = next(v for v in _videos() if WORLD.stats(v, NOW).comments > 1_200)
SMALL = next(v for v in _videos() if 30 < WORLD.stats(v, NOW).comments < 80)


def page_all(research: ResearchRaw, b: dict[str, Any], fields: str | None = None) -> list[dict[str, Any]]:
    out, b = [], dict(b, max_count=100)
    while True:
        data = research.data("video/comment/list/", b, fields)
        out.extend(data["comments"])
        if not data["has_more"]:
            return out
        b["cursor"] = data["cursor"]


def test_comments_page_with_an_index_cursor(research: ResearchRaw) -> None:
    first = research.data("video/comment/list/", {"video_id": SMALL.id, "max_count": 10})
    assert len(first["comments"]) == 10 and first["cursor"] == 10 and first["has_more"]
    got = page_all(research, {"video_id": SMALL.id})
    assert [c["id"] for c in got] == [c.id for c in WORLD.comments(SMALL, NOW)]
    for c in got:
        assert c["parent_comment_id"] == c["video_id"] == SMALL.id
        assert set(c) == {
            "id",
            "video_id",
            "text",
            "like_count",
            "reply_count",
            "parent_comment_id",
            "create_time",
        }
    assert research.handle.truth("research", "video/comment/list/", {"video_id": SMALL.id}) == [
        str(c["id"]) for c in got
    ]


def test_video_id_as_string_is_accepted(research: ResearchRaw) -> None:
    data = research.data("video/comment/list/", {"video_id": str(SMALL.id), "max_count": 5})
    assert len(data["comments"]) == 5


def test_only_the_first_1000_comments_are_reachable(research: ResearchRaw) -> None:
    got = page_all(research, {"video_id": BIG.id})
    assert len(got) == 1_000 < WORLD.stats(BIG, NOW).comments
    last = research.data("video/comment/list/", {"video_id": BIG.id, "cursor": 990, "max_count": 100})
    assert len(last["comments"]) == 10 and last["has_more"] is False and last["cursor"] == 1000
    beyond = research.data("video/comment/list/", {"video_id": BIG.id, "cursor": 1000})
    assert beyond["comments"] == [] and beyond["has_more"] is False


def test_replies_via_comment_id(research: ResearchRaw) -> None:
    parent = next(c for c in WORLD.comments(BIG, NOW) if c.reply_count > 3)
    replies = page_all(research, {"comment_id": parent.id})
    assert len(replies) == parent.reply_count
    assert all(r["parent_comment_id"] == parent.id and r["video_id"] == BIG.id for r in replies)
    listed = research.data("video/comment/list/", {"video_id": BIG.id, "max_count": 100})
    top = {c["id"]: c for c in listed["comments"]}
    if parent.id in top:
        assert top[parent.id]["reply_count"] == parent.reply_count


def test_personal_data_is_masked(research: ResearchRaw) -> None:
    texts = [c["text"] for c in page_all(research, {"video_id": BIG.id})]
    assert any("******" in t for t in texts)
    assert not any("4012345630" in t or "fan123@example.com" in t for t in texts)
    assert any(t == "" for t in texts)  # empty texts exist in real payloads too


def test_comment_field_selection_and_errors(research: ResearchRaw) -> None:
    data = research.data("video/comment/list/", {"video_id": SMALL.id}, "id,text")
    assert all(set(c) == {"id", "text"} for c in data["comments"])
    assert len(data["comments"]) == 10  # default max_count
    r = research.post("video/comment/list/", {"video_id": SMALL.id}, "id,username")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_params"
    r = research.post("video/comment/list/", {"video_id": 7000000000000000000})
    assert r.status_code == 400
    r = research.post("video/comment/list/", {})
    assert r.status_code == 400 and "video_id" in r.json()["error"]["message"]
    r = research.post("video/comment/list/", {"video_id": SMALL.id, "max_count": 101})
    assert r.status_code == 400
