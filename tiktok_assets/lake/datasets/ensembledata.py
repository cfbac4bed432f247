"""EnsembleData's datasets in the lake (``<lake>/ensembledata/<name>/…``).

TikTok's own objects as EnsembleData passes them through, flattened to typed columns: the aweme post (ids and
counts int64, ``create_time`` a timestamp, hashtags and mentions ``list<string>``, author and music structs),
comments, users, follow edges, sounds and the units spent per day. Every row also carries ``request``: the
request that returned it (API path, its parameters without the token, and the ``units_charged`` of that
response), beside ``collected_at`` and ``extra_json`` (whatever the API sent that the columns do not hold).
How an API record becomes a row is declared with the endpoints (``endpoints.ensembledata_shapes``).
"""

from __future__ import annotations

import pyarrow as pa

from tiktok_assets.lake.datasets.base import TS, Dataset

SOURCE = "ensembledata"

REQUEST = pa.field("request", pa.string())  # JSON: {"path", parameters…, "units_charged"} (never the token)
USER_REF = pa.struct(
    [("uid", pa.int64()), ("unique_id", pa.string()), ("sec_uid", pa.string()), ("nickname", pa.string())]
)
MUSIC_REF = pa.struct(
    [
        ("id", pa.int64()),
        ("title", pa.string()),
        ("author", pa.string()),
        ("duration", pa.int64()),
        ("original", pa.bool_()),
    ]
)

POST_FIELDS: tuple[pa.Field, ...] = (
    pa.field("aweme_id", pa.int64(), nullable=False),
    pa.field("create_time", TS),
    pa.field("description", pa.string()),
    pa.field("author", USER_REF),
    pa.field("music", MUSIC_REF),
    pa.field("region", pa.string()),
    pa.field("desc_language", pa.string()),
    pa.field("hashtags", pa.list_(pa.string())),
    pa.field("mentions", pa.list_(pa.string())),
    pa.field("play_count", pa.int64()),
    pa.field("digg_count", pa.int64()),
    pa.field("comment_count", pa.int64()),
    pa.field("share_count", pa.int64()),
    pa.field("collect_count", pa.int64()),
    pa.field("download_count", pa.int64()),
    pa.field("forward_count", pa.int64()),
    pa.field("duration_ms", pa.int64()),
    pa.field("is_top", pa.bool_()),  # pinned on the author's profile (user posts)
    pa.field("aweme_type", pa.int64()),
    pa.field("share_url", pa.string()),
    REQUEST,
)

COMMENT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("cid", pa.int64(), nullable=False),
    pa.field("aweme_id", pa.int64()),
    pa.field("reply_id", pa.int64()),  # the comment replied to; 0 for a top-level comment (as the API says)
    pa.field("create_time", TS),
    pa.field("text", pa.string()),
    pa.field("digg_count", pa.int64()),
    pa.field("reply_comment_count", pa.int64()),
    pa.field("user", USER_REF),
    REQUEST,
)

USER_FIELDS: tuple[pa.Field, ...] = (
    pa.field("uid", pa.int64()),
    pa.field("unique_id", pa.string()),
    pa.field("sec_uid", pa.string()),
    pa.field("nickname", pa.string()),
    pa.field("signature", pa.string()),
    pa.field("region", pa.string()),
    pa.field("verified", pa.bool_()),
    pa.field("private_account", pa.bool_()),
    pa.field("create_time", TS),
    pa.field("follower_count", pa.int64()),
    pa.field("following_count", pa.int64()),
    pa.field("heart_count", pa.int64()),
    pa.field("video_count", pa.int64()),
    pa.field("digg_count", pa.int64()),
)

USER_INFO_FIELDS: tuple[pa.Field, ...] = (
    pa.field("username", pa.string(), nullable=False),  # as monitoring.yaml names the account
    # "ok", or why the API would not return the account: "private" | "not_found" | "refused".
    pa.field("status", pa.string()),
    *USER_FIELDS,
    REQUEST,
)

USER_SEARCH_FIELDS: tuple[pa.Field, ...] = (
    pa.field("uid", pa.int64(), nullable=False),
    pa.field("rank", pa.int64()),  # 0-based position in the search results
    *USER_FIELDS[1:],
    REQUEST,
)

EDGE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("uid", pa.int64(), nullable=False),
    pa.field("unique_id", pa.string()),
    pa.field("sec_uid", pa.string()),
    pa.field("nickname", pa.string()),
    pa.field("region", pa.string()),
    pa.field("verified", pa.bool_()),
    pa.field("private_account", pa.bool_()),
    REQUEST,
)

MUSIC_FIELDS: tuple[pa.Field, ...] = (
    pa.field("music_id", pa.int64(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("author", pa.string()),
    pa.field("duration", pa.int64()),
    pa.field("original", pa.bool_()),
    pa.field("user_count", pa.int64()),  # videos using the sound (TikTok-wide), as the API counts them
    pa.field("rank", pa.int64()),  # position in music search results; null for music details
    REQUEST,
)

UNITS_FIELDS: tuple[pa.Field, ...] = (
    pa.field("day", TS, nullable=False),  # the UTC day (its midnight)
    pa.field("units", pa.int64()),  # units EnsembleData says the token used that day
    pa.field("ledger_units", pa.int64()),  # units this project's clients booked in the quota ledger
    REQUEST,
)

_POST_PREVIEW = ("aweme_id", "create_time", "author", "play_count", "digg_count", "description")
_ENTITY = {"hashtag": "hashtag", "keyword": "keyword", "account": "account", "music": "music_id"}


def _posts(name: str, dims: tuple[str, ...], description: str, time_column: str | None = None) -> Dataset:
    return Dataset(
        SOURCE, name, POST_FIELDS, ("aweme_id",), dims, description,
        time_column=time_column, preview_columns=_POST_PREVIEW,
    )  # fmt: skip


def _snapshot(entity: str) -> tuple[str, str]:
    return (_ENTITY[entity], "snapshot")  # the entity, and the UTC day of collection


HASHTAG_POSTS = _posts(
    "hashtag_posts", _snapshot("hashtag"), "Hashtag Search: posts with `hashtag`, as of the `snapshot` day."
)
HASHTAG_RECENT_POSTS = _posts(
    "hashtag_recent_posts", _snapshot("hashtag"),
    "Full Hashtag Search: posts with `hashtag` from the last N days, as of the `snapshot` day.",
)  # fmt: skip
KEYWORD_POSTS = _posts(
    "keyword_posts",
    _snapshot("keyword"),
    "Keyword Search: posts matching `keyword`, as of the `snapshot` day.",
)
KEYWORD_FULL_POSTS = _posts(
    "keyword_full_posts", _snapshot("keyword"),
    "Full Keyword Search: every post matching `keyword` in the period, as of the `snapshot` day.",
)  # fmt: skip
USER_POSTS = _posts(
    "user_posts", ("date",), "Posts of the monitored accounts, one UTC day of create_time per partition.",
    time_column="create_time",
)  # fmt: skip
LIKED_POSTS = _posts("liked_posts", _snapshot("account"), "Posts `account` liked, as of the `snapshot` day.")
MUSIC_POSTS = _posts(
    "music_posts", _snapshot("music"), "Posts using the sound `music_id`, as of the `snapshot` day."
)
POST_STATS = _posts(
    "post_stats", ("date",),
    "Posts already in the lake observed again on the `date` (UTC) of collection: an engagement time series.",
)  # fmt: skip
COMMENTS = Dataset(
    SOURCE, "comments", COMMENT_FIELDS, ("cid",), ("date",),
    "Comments and replies of the monitored accounts' posts created that UTC day.",
    time_column="create_time",
    preview_columns=("cid", "aweme_id", "reply_id", "create_time", "digg_count", "text"),
)  # fmt: skip
USER_INFO = Dataset(
    SOURCE, "user_info", USER_INFO_FIELDS, ("username",), ("date",),
    "Profile of each monitored account as collected on the `date` (UTC); `status` says why one is missing.",
    preview_columns=("username", "status", "follower_count", "following_count", "heart_count", "video_count"),
)  # fmt: skip
USER_SEARCH = Dataset(
    SOURCE, "user_search", USER_SEARCH_FIELDS, ("uid",), _snapshot("keyword"),
    "User Search: accounts matching `keyword`, as of the `snapshot` day.",
    preview_columns=("rank", "unique_id", "nickname", "follower_count"),
)  # fmt: skip
FOLLOWERS = Dataset(
    SOURCE, "followers", EDGE_FIELDS, ("uid",), _snapshot("account"),
    "Who follows `account` (the latest 5,000, as the API allows), as of the `snapshot` day.",
    preview_columns=("uid", "unique_id", "nickname"),
)  # fmt: skip
FOLLOWINGS = Dataset(
    SOURCE, "followings", EDGE_FIELDS, ("uid",), _snapshot("account"),
    "Whom `account` follows, as of the `snapshot` day.", preview_columns=("uid", "unique_id", "nickname"),
)  # fmt: skip
MUSIC_SEARCH = Dataset(
    SOURCE, "music_search", MUSIC_FIELDS, ("music_id",), _snapshot("keyword"),
    "Music Search: sounds whose title or author matches `keyword`, as of the `snapshot` day.",
    preview_columns=("rank", "music_id", "title", "author", "user_count"),
)  # fmt: skip
MUSIC_DETAILS = Dataset(
    SOURCE, "music_details", MUSIC_FIELDS, ("music_id",), ("date",),
    "Details (incl. `user_count`) of each monitored sound as collected on the `date` (UTC).",
    preview_columns=("music_id", "title", "author", "user_count"),
)  # fmt: skip
UNITS = Dataset(
    SOURCE, "units", UNITS_FIELDS, ("day",), ("date",),
    "EnsembleData units used on the `date` (UTC), as the API reports them and as the quota ledger booked them.",
    preview_columns=("day", "units", "ledger_units"),
)  # fmt: skip

POST_DATASETS: tuple[Dataset, ...] = (
    HASHTAG_POSTS, HASHTAG_RECENT_POSTS, KEYWORD_POSTS, KEYWORD_FULL_POSTS, USER_POSTS, LIKED_POSTS,
    MUSIC_POSTS, POST_STATS,
)  # fmt: skip
DATASETS: tuple[Dataset, ...] = (
    *POST_DATASETS, COMMENTS, USER_INFO, USER_SEARCH, FOLLOWERS, FOLLOWINGS, MUSIC_SEARCH, MUSIC_DETAILS, UNITS,
)  # fmt: skip
