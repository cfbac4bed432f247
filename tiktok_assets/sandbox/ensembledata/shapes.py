"""TikTok's own JSON shapes ("aweme", user, comment, music) as EnsembleData passes them through.

The exact full shapes are open in the reference; these carry every key it names plus a few common ones.
Ids TikTok sends as strings (aweme_id, cid, uid, sec_uid) are strings here too; counts are ints.
"""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.world.catalog import Catalog

_CDN = "https://sandbox.invalid"
# The world has no language per video; EnsembleData's `desc_language` is derived from the region (open).
_LANGUAGE = {
    "US": "en",
    "GB": "en",
    "CA": "en",
    "AU": "en",
    "NG": "en",
    "PH": "en",
    "DE": "de",
    "FR": "fr",
    "BR": "pt",
    "MX": "es",
    "ES": "es",
    "JP": "ja",
    "KR": "ko",
    "IN": "hi",
    "ID": "id",
    "IQ": "ar",
    "EG": "ar",
    "TR": "tr",
    "IT": "it",
    "VN": "vi",
}


def language(region: str) -> str:
    return _LANGUAGE.get(region, "en")


def author(cat: Catalog, account_index: int) -> dict[str, Any]:
    """The compact user object embedded in posts, comments and user lists."""
    account = cat.world.accounts[account_index]
    return {
        "uid": str(account.uid),
        "unique_id": account.username,
        "sec_uid": account.sec_uid,
        "nickname": account.display_name,
        "signature": account.bio,
        "region": account.region,
        "verification_type": 1 if account.verified else 0,
        "custom_verify": "verified account" if account.verified else "",
        "secret": 1 if account.is_private else 0,
        "avatar_thumb": {"url_list": [account.avatar_url]},
    }


def user_profile(cat: Catalog, account_index: int, now: int) -> dict[str, Any]:
    """The app-style full user object (`/tt/user/info-from-secuid`, user search)."""
    account = cat.world.accounts[account_index]
    stats = cat.account_stats(account_index, now)
    return {
        **author(cat, account_index),
        "follower_count": stats.follower_count,
        "following_count": stats.following_count,
        "aweme_count": stats.video_count,
        "total_favorited": stats.heart_count,
        "favoriting_count": stats.digg_count,
        "create_time": account.created_time,
        "bio_url": account.bio_url,
        "avatar_larger": {"url_list": [account.avatar_url]},
    }


def web_user(cat: Catalog, account_index: int, now: int) -> dict[str, Any]:
    """The web-style pair (`user`, `stats`) of `/tt/user/info`."""
    account = cat.world.accounts[account_index]
    stats = cat.account_stats(account_index, now)
    user = {
        "id": str(account.uid),
        "uniqueId": account.username,
        "secUid": account.sec_uid,
        "nickname": account.display_name,
        "signature": account.bio,
        "verified": bool(account.verified),
        "privateAccount": bool(account.is_private),
        "region": account.region,
        "createTime": account.created_time,
        "avatarLarger": account.avatar_url,
        "bioLink": {"link": account.bio_url} if account.bio_url else None,
    }
    counts = {
        "followingCount": stats.following_count,
        "followerCount": stats.follower_count,
        "heartCount": stats.heart_count,
        "videoCount": stats.video_count,
        "diggCount": stats.digg_count,
    }
    return {"user": user, "stats": counts}


def music(cat: Catalog, music_id: int, now: int | None = None) -> dict[str, Any]:
    track = cat.world.music(music_id)
    out: dict[str, Any] = {
        "id": track.id,
        "id_str": str(track.id),
        "mid": str(track.id),
        "title": track.title,
        "author": track.author,
        "duration": track.duration,
        "original": bool(track.original),
        "play_url": {"url_list": [f"{_CDN}/music/{track.id}.mp3"]},
        "cover_thumb": {"url_list": [f"{_CDN}/music/{track.id}.jpg"]},
    }
    if now is not None:
        out["user_count"] = cat.world.music_usage(music_id, now)
    return out


def post(cat: Catalog, video: Any, now: int, *, is_top: bool = False) -> dict[str, Any]:
    """One aweme: the same video the Research API serves (same id, author, time, counts at `now`)."""
    stats = cat.world.stats(video, now)
    text_extra: list[dict[str, Any]] = [
        {"type": 1, "hashtag_name": tag, "is_commerce": False} for tag in video.hashtags
    ]
    text_extra += [{"type": 0, "unique_id": name, "hashtag_name": ""} for name in video.mentions]
    return {
        "aweme_id": str(video.id),
        "desc": video.description,
        "create_time": video.create_time,
        "author": author(cat, video.author_index),
        "music": music(cat, video.music_id),
        "statistics": {
            "aweme_id": str(video.id),
            "play_count": stats.views,
            "digg_count": stats.likes,
            "comment_count": stats.comments,
            "share_count": stats.shares,
            "collect_count": stats.favorites,
            # Not in the world: derived so they stay deterministic and plausible.
            "download_count": stats.shares // 4,
            "forward_count": stats.shares // 10,
        },
        "text_extra": text_extra,
        "region": video.region,
        "desc_language": language(video.region),
        "is_top": 1 if is_top else 0,
        "aweme_type": 0,
        "share_url": f"https://www.tiktok.com/@{video.username}/video/{video.id}",
        "video": {
            "duration": video.duration * 1000,
            "play_addr": {"url_list": [f"{_CDN}/video/{video.id}.mp4"]},
            "cover": {"url_list": [f"{_CDN}/video/{video.id}.jpg"]},
        },
    }


def comment(cat: Catalog, item: Any, video_id: int) -> dict[str, Any]:
    who = author(cat, item.author_index)
    return {
        "cid": str(item.id),
        "aweme_id": str(video_id),
        "create_time": item.create_time,
        "text": item.text,
        "digg_count": item.like_count,
        "reply_comment_count": item.reply_count,
        "reply_id": "0" if item.parent_comment_id == video_id else str(item.parent_comment_id),
        "user": {key: who[key] for key in ("uid", "unique_id", "sec_uid", "nickname", "avatar_thumb")},
    }
