"""video/query/: query language, dates, max_count, paging, short pages, is_random, archive lag, fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from tiktok_assets.sandbox.research import VIDEO_FIELDS, stats_time
from tiktok_assets.sandbox.testing import ResearchRaw
from tiktok_assets.sandbox.world import Video, World, video_length_bucket

NOW = int(datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp())
WORLD = World(7, "small")
START, END = "20260501", "20260530"


def q(*conds: dict[str, Any], key: str = "and") -> dict[str, Any]:
    return {key: list(conds)}


def cond(op: str, field: str, *values: str) -> dict[str, Any]:
    return {"operation": op, "field_name": field, "field_values": list(values)}


def body(query: dict[str, Any], start: str = START, end: str = END, **extra: Any) -> dict[str, Any]:
    return {"query": query, "start_date": start, "end_date": end, **extra}


def expected(pred: Callable[[Video], bool], start: str = START, end: str = END, now: int = NOW) -> list[int]:
    """An independent reading of the reference: matching, >= 48 h old, not deleted, author public."""
    d0, d1 = (datetime.strptime(x, "%Y%m%d").date() for x in (start, end))
    out = [
        v.id
        for d in WORLD.days(d0, d1)
        for v in WORLD.videos_on(d)
        if v.create_time <= now - 48 * 3600
        and pred(v)
        and not (v.deleted_time is not None and v.deleted_time <= now)
        and not WORLD.accounts[v.author_index].is_private
    ]
    return sorted(out, reverse=True)


def collect(research: ResearchRaw, b: dict[str, Any], fields: str = "id") -> list[dict[str, Any]]:
    pages = []
    b = dict(b, max_count=b.get("max_count", 100))
    while True:
        data = research.data("video/query/", b, fields)
        pages.append(data)
        if not data["has_more"]:
            return pages
        b["cursor"], b["search_id"] = data["cursor"], data["search_id"]


def ids(pages: list[dict[str, Any]]) -> list[int]:
    return [v["id"] for p in pages for v in p["videos"]]


SAMPLE = WORLD.videos_on(date(2026, 5, 10))[3]
SAMPLE_STATS = WORLD.stats(SAMPLE, stats_time(WORLD, SAMPLE, NOW))
CASES: list[tuple[dict[str, Any], Callable[[Video], bool]]] = [
    (cond("EQ", "username", SAMPLE.username), lambda v: v.username == SAMPLE.username),
    (cond("IN", "region_code", "US", "JP"), lambda v: v.region in ("US", "JP")),
    (cond("EQ", "region_code", "us"), lambda v: v.region == "US"),
    (cond("EQ", "video_id", str(SAMPLE.id)), lambda v: v.id == SAMPLE.id),
    (cond("IN", "hashtag_name", "fyp", "cat"), lambda v: "fyp" in v.hashtags or "cat" in v.hashtags),
    (cond("EQ", "keyword", "love"), lambda v: "love" in v.description.lower()),
    (cond("EQ", "music_id", str(SAMPLE.music_id)), lambda v: v.music_id == SAMPLE.music_id),
    (cond("EQ", "video_length", "SHORT"), lambda v: video_length_bucket(v.duration) == "SHORT"),
    (cond("IN", "video_length", "LONG", "EXTRA_LONG"), lambda v: v.duration > 60),
    (cond("GT", "video_length", "MID"), lambda v: v.duration > 60),
    (cond("LTE", "video_length", "MID"), lambda v: v.duration <= 60),
    (cond("GTE", "create_date", "20260520"), lambda v: v.create_time >= 1779235200),
    (cond("LT", "create_date", "20260505"), lambda v: v.create_time < 1777939200),
    (
        cond("GT", "view_count", str(SAMPLE_STATS.views)),
        lambda v: WORLD.stats(v, stats_time(WORLD, v, NOW)).views > SAMPLE_STATS.views,
    ),
    (cond("LT", "comment_count", "3"), lambda v: WORLD.stats(v, stats_time(WORLD, v, NOW)).comments < 3),
    (cond("GT", "video_id", str(SAMPLE.id)), lambda v: v.id > SAMPLE.id),
]
EFFECT = next(
    v.effect_ids[0]
    for d in WORLD.days(date(2026, 5, 1), date(2026, 5, 30))
    for v in WORLD.videos_on(d)
    if v.effect_ids
)
CASES.append((cond("EQ", "effect_id", EFFECT), lambda v: EFFECT in v.effect_ids))


@pytest.mark.parametrize(
    "condition,pred", CASES, ids=[f"{c['operation']}-{c['field_name']}" for c, _ in CASES]
)
def test_each_operation_and_field_name(research: ResearchRaw, condition: dict[str, Any], pred: Any) -> None:
    got = ids(collect(research, body(q(condition))))
    assert got == expected(pred)


def test_and_or_not_combine(research: ResearchRaw) -> None:
    query = {
        "and": [cond("IN", "region_code", "US", "GB", "DE")],
        "or": [cond("EQ", "hashtag_name", "fyp"), cond("EQ", "video_length", "SHORT")],
        "not": [cond("EQ", "keyword", "love")],
    }
    got = ids(collect(research, body(query)))
    want = expected(
        lambda v: (
            v.region in ("US", "GB", "DE")
            and ("fyp" in v.hashtags or v.duration < 15)
            and "love" not in v.description.lower()
        )
    )
    assert got == want and got
    only_not = ids(collect(research, body({"and": [], "not": [cond("EQ", "region_code", "US")]})))
    assert only_not == expected(lambda v: v.region != "US")


@pytest.mark.parametrize(
    "query,needle",
    [
        ({}, "at least one"),
        ({"and": [], "or": []}, "at least one"),
        ({"and": [cond("LIKE", "region_code", "US")]}, "operation"),
        ({"and": [cond("EQ", "country", "US")]}, "field_name"),
        ({"and": [{"operation": "EQ", "field_name": "music_id", "field_values": [123]}]}, "strings"),
        ({"and": [cond("EQ", "create_date", "2026-05-01")]}, "create_date"),
        ({"and": [cond("EQ", "video_length", "HUGE")]}, "video_length"),
        ({"and": [cond("EQ", "region_code", "USA")]}, "region_code"),
        ({"and": [cond("GT", "view_count", "1", "2")]}, "exactly one"),
        ({"and": [cond("EQ", "view_count", "many")]}, "view_count"),
    ],
)
def test_invalid_queries_name_the_problem(research: ResearchRaw, query: Any, needle: str) -> None:
    r = research.post("video/query/", body(query), "id")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_params" and needle in err["message"]


def test_in_value_limit(research: ResearchRaw) -> None:
    r = research.post("video/query/", body(q(cond("IN", "username", *[f"u{i}" for i in range(101)]))), "id")
    assert r.status_code == 400 and "at most 100" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "start,end,needle",
    [
        (None, END, "start_date"),
        (START, None, "end_date"),
        ("2026-05-01", END, "start_date"),
        ("20260230", "20260301", "start_date"),
        ("20260510", "20260501", "end_date"),
        ("20260501", "20260601", "30 days"),
    ],
)
def test_date_rules(research: ResearchRaw, start: Any, end: Any, needle: str) -> None:
    b = {k: v for k, v in body(q(cond("EQ", "region_code", "US")), start, end).items() if v is not None}
    r = research.post("video/query/", b, "id")
    assert r.status_code == 400 and needle in r.json()["error"]["message"]


def test_thirty_days_inclusive_is_allowed(research: ResearchRaw) -> None:
    data = research.data(
        "video/query/", body(q(cond("EQ", "region_code", "US")), "20260501", "20260531"), "id"
    )
    assert data["videos"]
    one_day = ids(collect(research, body(q(cond("EQ", "region_code", "US")), "20260510", "20260510"), "id"))
    assert one_day == expected(lambda v: v.region == "US", "20260510", "20260510") and one_day


def test_max_count(research: ResearchRaw) -> None:
    b = body(q(cond("IN", "region_code", "US", "GB", "BR", "IN")))
    assert research.post("video/query/", dict(b, max_count=101), "id").status_code == 400
    assert research.post("video/query/", dict(b, max_count=0), "id").status_code == 400
    data = research.data("video/query/", b, "id")  # default 20
    assert data["cursor"] == 20 and len(data["videos"]) <= 20


def test_paging_order_search_id_and_short_pages(research: ResearchRaw) -> None:
    b = body({"and": [], "or": [cond("EQ", "region_code", "US"), cond("EQ", "region_code", "BR")]})
    pages = collect(research, b, "id,create_time")
    got = ids(pages)
    assert got == sorted(got, reverse=True) and len(set(got)) == len(got)
    assert len({p["search_id"] for p in pages}) == 1
    assert all(isinstance(p["search_id"], str) for p in pages)
    assert [p["cursor"] for p in pages] == [100 * (i + 1) for i in range(len(pages) - 1)] + [
        pages[-1]["cursor"]
    ]
    # Deleted / private videos drop out after paging: some page short of 100 while has_more stays true.
    assert any(len(p["videos"]) < 100 and p["has_more"] for p in pages[:-1])
    assert got == expected(lambda v: v.region in ("US", "BR"))
    truth = research.handle.truth("research", "video/query/", b)
    assert truth == [str(i) for i in got]


def test_search_id_must_be_known_and_match(research: ResearchRaw) -> None:
    b = body(q(cond("EQ", "region_code", "US")), max_count=10)
    first = research.data("video/query/", b, "id")
    r = research.post("video/query/", dict(b, cursor=10, search_id="7999999999999999999"), "id")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Search Id 7999999999999999999 is invalid or expired"
    other = dict(b, query=q(cond("EQ", "region_code", "JP")), cursor=10, search_id=first["search_id"])
    assert research.post("video/query/", other, "id").status_code == 400
    research.handle.advance(3 * 3600)  # search ids expire (2 h on the sandbox clock)
    research.refresh()
    r = research.post("video/query/", dict(b, cursor=10, search_id=first["search_id"]), "id")
    assert "is invalid or expired" in r.json()["error"]["message"]


def test_is_random(research: ResearchRaw) -> None:
    b = body(q(cond("IN", "region_code", "US", "BR")), is_random=True, max_count=30)
    data = research.data("video/query/", b, "id,region_code")
    assert 1 <= len(data["videos"]) <= 30 and data["has_more"] is False
    got = [v["id"] for v in data["videos"]]
    assert set(got) <= set(expected(lambda v: v.region in ("US", "BR")))
    assert got != sorted(got, reverse=True)  # random order, not id order


def test_archive_lag_48_hours(research: ResearchRaw) -> None:
    b = body(q(cond("IN", "region_code", *WORLD_REGIONS)), "20260610", "20260615")
    before = ids(collect(research, b))
    assert before == expected(lambda v: True, "20260610", "20260615")
    assert before and all(i >> 32 <= NOW - 48 * 3600 for i in before)
    research.handle.advance(2 * 86400)
    research.refresh()
    after = ids(collect(research, b))
    later = NOW + 2 * 86400
    assert after == expected(lambda v: True, "20260610", "20260615", now=later)
    assert max(after) >> 32 > NOW - 48 * 3600 and max(after) not in before


WORLD_REGIONS = sorted({a.region for a in WORLD.accounts})


def test_field_selection_and_int64(research: ResearchRaw) -> None:
    b = body(q(cond("IN", "region_code", *WORLD_REGIONS)), max_count=50)
    r = research.post("video/query/", b, "id,music_id,hashtag_names")
    for v in r.json()["data"]["videos"]:
        assert set(v) <= {"id", "music_id", "hashtag_names"} and {"id", "music_id"} <= set(v)
    # Ids are bare JSON integers above 2**53, exact.
    raw = r.content.decode()
    assert re.search(r'"id":\d{19}[,}]', raw)
    parsed = orjson.loads(r.content)["data"]["videos"][0]["id"]
    assert isinstance(parsed, int) and parsed > 2**53 and WORLD.video(parsed) is not None
    full = research.data("video/query/", b, ",".join(VIDEO_FIELDS))
    keys = set().union(*(set(v) for v in full["videos"]))
    assert keys == set(VIDEO_FIELDS)  # every documented field can come back (playlist_id only when set)
    r = research.post("video/query/", b, "id,nope")
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]
    spaced = research.data("video/query/", b, "id, create_time")  # the official client sends spaces
    assert set(spaced["videos"][0]) == {"id", "create_time"}


def test_strings_keep_unicode_and_nul(research: ResearchRaw) -> None:
    start, end = "20260101", "20260130"
    nul = expected(lambda v: "\x00" in v.description, start, end)
    assert nul, "the world should hold a description with a NUL byte in this window"
    data = research.data(
        "video/query/", body(q(cond("EQ", "video_id", str(nul[0]))), start, end), "id,video_description"
    )
    assert "\x00" in data["videos"][0]["video_description"]


def test_truth_of_a_random_query_is_its_population(research: ResearchRaw) -> None:
    b = body(q(cond("EQ", "region_code", "BR")), is_random=True, max_count=5)
    population = research.handle.truth("research", "video/query/", b)
    assert population == [str(i) for i in expected(lambda v: v.region == "BR")]
    sample = research.data("video/query/", b, "id")["videos"]
    assert {str(v["id"]) for v in sample} <= set(population)
