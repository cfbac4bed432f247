"""Pure unit tests of the world (the one place handlers are not reached over HTTP)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tiktok_assets.sandbox.world import World, day_start, video_length_bucket

AT = day_start(date(2026, 6, 15)) + 12 * 3600


@pytest.fixture(scope="module")
def world() -> World:
    return World(7, "small")


def test_same_seed_same_world_and_order_independence() -> None:
    a, b = World(7, "small"), World(7, "small")
    day = date(2026, 3, 3)
    # Ask b about another day first: a day's content never depends on what was asked before.
    b.videos_on(date(2026, 5, 1))
    assert a.videos_on(day) == b.videos_on(day)
    assert a.accounts == b.accounts
    assert World(8, "small").videos_on(day) != a.videos_on(day)


def test_sizes(world: World) -> None:
    assert 90 <= len(world.accounts) <= 110
    days = world.days(date(2026, 2, 1), date(2026, 2, 28))
    per_day = sum(len(world.videos_on(d)) for d in days) / len(days)
    assert 30 <= per_day <= 80
    large = World(7, "large")
    assert len(large.accounts) >= 5000
    assert large.start_date == date(2024, 11, 1)
    sample = [large.start_date + timedelta(days=i) for i in range(0, 730, 73)]
    est = sum(len(large.videos_on(d)) for d in sample) / len(sample) * 730
    assert est >= 2_000_000


def test_video_ids_decode_and_order(world: World) -> None:
    vids = world.videos_on(date(2026, 3, 1))
    assert vids and [v.id for v in vids] == sorted((v.id for v in vids), reverse=True)
    for v in vids:
        assert len(str(v.id)) == 19
        assert v.id >> 32 == v.create_time
        assert world.video(v.id) == v
        assert day_start(date(2026, 3, 1)) <= v.create_time < day_start(date(2026, 3, 2))
        assert v.username == world.accounts[v.author_index].username
    assert world.video(vids[0].id + 200) is None
    assert world.video(12345) is None
    assert world.videos_on(date(2025, 12, 31)) == []


def test_accounts_look_real(world: World) -> None:
    names = [a.username for a in world.accounts]
    assert len(set(names)) == len(names)
    for a in world.accounts:
        assert a.sec_uid.startswith("MS4wLjABAAAA") and len(a.sec_uid) > 40
        assert world.account_by_username(a.username) == a
        assert world.account_by_sec_uid(a.sec_uid) == a
        assert world.account_by_uid(a.uid) == a
        assert len(a.region) == 2
    assert any(a.is_private for a in world.accounts)
    assert any(not a.likes_public for a in world.accounts)
    assert any(any(ord(ch) > 127 for ch in a.display_name) for a in world.accounts)


def test_video_content_variety(world: World) -> None:
    vids = [v for d in world.days(date(2026, 1, 1), date(2026, 4, 30)) for v in world.videos_on(d)]
    buckets = {video_length_bucket(v.duration) for v in vids}
    assert buckets == {"SHORT", "MID", "LONG", "EXTRA_LONG"}
    assert any(v.deleted_time for v in vids)
    assert any(v.playlist_id for v in vids)
    assert any("\x00" in v.description for v in vids)
    assert any(v.mentions for v in vids)
    assert any(v.effect_ids for v in vids)
    assert all(world.music(v.music_id) is not None for v in vids)
    tags = [t for v in vids for t in v.hashtags]
    assert tags.count("fyp") > tags.count("sushi")  # Zipf popularity
    for v in vids:
        for t in v.hashtags:
            assert "#" + t in v.description


def test_stats_monotone_and_heavy_tailed(world: World) -> None:
    vids = world.videos_on(date(2026, 2, 10))
    for v in vids:
        assert world.stats(v, v.create_time - 1) == (0, 0, 0, 0, 0)
        prev = world.stats(v, v.create_time)
        for dt in (60, 3600, 86400, 7 * 86400, 90 * 86400):
            cur = world.stats(v, v.create_time + dt)
            assert all(c >= p for c, p in zip(cur, prev, strict=True))
            prev = cur
    views = sorted(world.stats(v, AT).views for v in vids)
    assert views[-1] > 10 * views[len(views) // 2]


def test_comments_and_replies(world: World) -> None:
    vids = [v for d in world.days(date(2026, 2, 1), date(2026, 2, 20)) for v in world.videos_on(d)]
    v = max(vids, key=lambda x: world.stats(x, AT).comments)
    comments = world.comments(v, AT)
    assert len(comments) == world.stats(v, AT).comments > 0
    assert [c.create_time for c in comments] == sorted(c.create_time for c in comments)
    assert all(c.parent_comment_id == v.id and c.video_id == v.id for c in comments)
    assert len({c.id for c in comments}) == len(comments)
    assert all(world.comment_video_id(c.id) == v.id for c in comments)
    # Comments visible earlier are a prefix of those visible later.
    early = world.comments(v, comments[len(comments) // 2].create_time)
    assert early == [
        c._replace(like_count=e.like_count, reply_count=e.reply_count)
        for c, e in zip(comments, early, strict=False)
    ]
    with_replies = [c for c in comments if c.reply_count]
    assert with_replies
    c = with_replies[0]
    replies = world.replies(v, c.id, AT)
    assert len(replies) == c.reply_count
    assert all(r.parent_comment_id == c.id and r.create_time > c.create_time for r in replies)


def test_follow_graph_consistent(world: World) -> None:
    degrees = [len(world.followers(a.index, AT)) for a in world.accounts]
    assert max(degrees) > 3 * (sum(degrees) / len(degrees))  # power law-ish
    for a in world.accounts[:30]:
        edges = world.followers(a.index, AT)
        assert [e.create_time for e in edges] == sorted((e.create_time for e in edges), reverse=True)
        for e in edges:
            assert e.followee_index == a.index and e.create_time <= AT
            assert e in world.following(e.follower_index, AT)
    assert len(world.followers(0, AT - 365 * 86400)) <= len(world.followers(0, AT))


def test_likes_reposts_pins_playlists_music(world: World) -> None:
    liked = [p for a in world.accounts[:20] for p in world.liked(a.index, AT)]
    assert liked and all(t > v.create_time and t <= AT for v, t in liked)
    assert any(world.reposted(a.index, AT) for a in world.accounts)
    pins = [v for a in world.accounts for v in world.pinned(a.index)]
    assert pins and all(v.username == world.accounts[v.author_index].username for v in pins)
    v = next(
        v for d in world.days(date(2026, 1, 1), date(2026, 3, 1)) for v in world.videos_on(d) if v.playlist_id
    )
    pl = world.playlist(v.playlist_id)
    assert pl is not None and v.id in pl.video_ids
    assert world.playlist(12) is None
    m = world.music_ids[0]
    assert world.music_usage(m, AT) >= world.music_usage(m, AT - 86400 * 30) > 0
    mv = world.music_videos(m, AT, limit=5)
    assert mv and all(x.music_id == m for x in mv)
