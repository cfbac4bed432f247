"""Every EnsembleData TikTok endpoint, declared once (``spec.Endpoint``), grouped into the assets they feed.

Where two endpoints return the same records by another key (user posts and user info by username or by
secUid, post info by URL or by id, units of one day or of many), they are one asset: ``ENDPOINTS`` holds the
asset's main declaration, ``ALTERNATES`` the other calls, and the asset picks the call from what
monitoring.yaml gives. ``SHAPES`` says how each endpoint's records become rows of its dataset; ``PRICES`` the
units a call is assumed to cost for forecasts (EnsembleData does not publish per-endpoint prices: the
``units_charged`` header of each response is what is booked).

Partition keys follow the question a dataset answers: a UTC day of creation for "posted in a period"
(user posts, their comments), a UTC day of collection for "observed on a day" (profiles, sound details,
post statistics, units), and an account / hashtag / keyword / sound for "about X", where each
materialization is a dated snapshot because the API answers only the present and has no date filter.
"""

from __future__ import annotations

from tiktok_assets.endpoints import ensembledata_shapes as shapes
from tiktok_assets.endpoints.spec import Endpoint, Paging, PartitionKind
from tiktok_assets.lake.datasets import ensembledata as ds
from tiktok_assets.lake.reshape import Shape

SOURCE = "ensembledata"
_SNAPSHOT_NOTE = (
    "Each materialization is a dated snapshot (`snapshot=<UTC day>`): the API answers only the present and has "
    "no date filter, so history accumulates in the lake and partitions stay one per {what} (500 hashtags or "
    "1,000 accounts are 500 or 1,000 partitions, never days x entities)."
)


def _snapshot(
    kind: PartitionKind, path: str, dataset: ds.Dataset, fills: str, paging: Paging, text: str
) -> Endpoint:
    what = {PartitionKind.HASHTAG: "hashtag", PartitionKind.KEYWORD: "keyword", PartitionKind.ACCOUNT: "account",
            PartitionKind.MUSIC: "sound"}[kind]  # fmt: skip
    description = (
        f"{text} Partitioned by {what} (dynamic partitions that follow monitoring.yaml) because it answers "
        f'"what is there about this {what}". {_SNAPSHOT_NOTE.format(what=what)} '
        f"Lake: `ensembledata/{dataset.name}/{dataset.partition_dims[0]}=<{what}>/snapshot=<day>/`."
    )
    return Endpoint(SOURCE, path, dataset, paging, kind, fills, dataset.name, description)


HASHTAG_POSTS = _snapshot(
    PartitionKind.HASHTAG, "tt/hashtag/posts", ds.HASHTAG_POSTS, "name", Paging.CURSOR,
    "Hashtag Search: the posts carrying the hashtag, paged to the end (popular tags stop at ~4-5k posts).",
)  # fmt: skip
HASHTAG_RECENT_POSTS = _snapshot(
    PartitionKind.HASHTAG, "tt/hashtag/recent-posts", ds.HASHTAG_RECENT_POSTS, "name", Paging.SINGLE,
    "Full Hashtag Search: every post of the last `ensembledata.hashtag_recent_days` days with the hashtag, in "
    "one long call (the server pages; up to 10 minutes).",
)  # fmt: skip
KEYWORD_POSTS = _snapshot(
    PartitionKind.KEYWORD, "tt/keyword/search", ds.KEYWORD_POSTS, "name", Paging.CURSOR,
    "Keyword Search with `period`, `sorting`, `country` and `match_exactly` from monitoring.yaml "
    "(`ensembledata.keyword_search`), paged to the end.",
)  # fmt: skip
KEYWORD_FULL_POSTS = _snapshot(
    PartitionKind.KEYWORD, "tt/keyword/full-search", ds.KEYWORD_FULL_POSTS, "name", Paging.SINGLE,
    "Full Keyword Search (same parameters as Keyword Search) in one long call.",
)  # fmt: skip
USER_SEARCH = _snapshot(
    PartitionKind.KEYWORD, "tt/user/search", ds.USER_SEARCH, "keyword", Paging.CURSOR,
    "User Search: the accounts matching the keyword, in the API's order (`rank`).",
)  # fmt: skip
MUSIC_SEARCH = _snapshot(
    PartitionKind.KEYWORD, "tt/music/info", ds.MUSIC_SEARCH, "name", Paging.CURSOR,
    "Music Search: the sounds matching the keyword (`sorting`, `filter_by` from `ensembledata.music_search`).",
)  # fmt: skip
LIKED_POSTS = _snapshot(
    PartitionKind.ACCOUNT, "tt/user/liked-posts", ds.LIKED_POSTS, "secUid", Paging.CURSOR,
    "The posts a monitored account liked (only when its likes are public; otherwise an empty snapshot whose "
    "`status` says private).",
)  # fmt: skip
FOLLOWERS = _snapshot(
    PartitionKind.ACCOUNT, "tt/user/followers", ds.FOLLOWERS, "secUid", Paging.CURSOR,
    "The followers of a monitored account (the API lists only the latest 5,000).",
)  # fmt: skip
FOLLOWINGS = _snapshot(
    PartitionKind.ACCOUNT, "tt/user/followings", ds.FOLLOWINGS, "secUid", Paging.CURSOR,
    "The accounts a monitored account follows (paged by cursor and page token; ends when either is missing).",
)  # fmt: skip
MUSIC_POSTS = _snapshot(
    PartitionKind.MUSIC, "tt/music/posts", ds.MUSIC_POSTS, "music_id", Paging.CURSOR,
    "The posts using a monitored sound (`ensembledata.music`), paged to the end.",
)  # fmt: skip

USER_POSTS = Endpoint(
    SOURCE, "tt/user/posts", ds.USER_POSTS, Paging.CURSOR, PartitionKind.DAY, "username", "user_posts",
    "Posts of every monitored account, partitioned by the UTC day of `create_time` because researchers ask "
    "what was posted in a period. A run (a day, or a backfill range of up to 30 days) asks each account once, "
    "from the end of its window back (`start_cursor`) until `oldest_createtime` = the window's start, with a "
    "`depth` (10 posts per unit) of one chunk first, then sized from the rate each call shows for the rest of "
    "the window; the last chunk overshoots into older posts, which are dropped, so a daily run spends about one "
    "unit per account. "
    "Accounts given a secUid in monitoring.yaml are read through `/tt/user/posts-from-secuid`. Private or "
    "unknown accounts are listed in the metadata (`unavailable`). Lake: `ensembledata/user_posts/date=<day>/`.",
    time_rule="day",
)  # fmt: skip
USER_POSTS_BY_SECUID = Endpoint(
    SOURCE, "tt/user/posts-from-secuid", ds.USER_POSTS, Paging.CURSOR, PartitionKind.DAY, "secUid",
    "user_posts", USER_POSTS.description, time_rule="day",
)  # fmt: skip
COMMENTS = Endpoint(
    SOURCE, "tt/post/comments", ds.COMMENTS, Paging.CURSOR, PartitionKind.DAY, "aweme_id", "comments",
    "Comments (and, with `ensembledata.comments.replies`, their replies via `/tt/post/comments-replies`) of the "
    "{max_videos} most-commented posts (≥{min_comments} comments) the monitored accounts created that UTC day: "
    "partitioned like user posts so a day's conversation sits next to its posts; every page costs a unit. "
    "Lake: `ensembledata/comments/date=<day>/`.",
    time_rule="after_day",
)  # fmt: skip
COMMENT_REPLIES = Endpoint(
    SOURCE, "tt/post/comments-replies", ds.COMMENTS, Paging.CURSOR, PartitionKind.DAY, "comment_id", "comments",
    COMMENTS.description, time_rule="after_day",
)  # fmt: skip
USER_INFO = Endpoint(
    SOURCE, "tt/user/info", ds.USER_INFO, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "username", "user_info",
    "Profile (followers, likes, videos) of every monitored account, partitioned by the UTC day of collection: "
    "profiles are live, so a partition holds what the API said that day (1,000 accounts x 3 years stays 1,095 "
    "partitions). Accounts with a secUid in monitoring.yaml use `/tt/user/info-from-secuid`. Private, unknown "
    "or restricted accounts are rows with a `status`. Lake: `ensembledata/user_info/date=<day>/`.",
)  # fmt: skip
USER_INFO_BY_SECUID = Endpoint(
    SOURCE, "tt/user/info-from-secuid", ds.USER_INFO, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "secUid",
    "user_info", USER_INFO.description,
)  # fmt: skip
POST_STATS = Endpoint(
    SOURCE, "tt/post/multi-info", ds.POST_STATS, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "ids", "post_stats",
    "The statistics of posts already in the lake, observed again: every post created in the "
    "`ensembledata.refresh_days` days before the collection day (ED user posts and Research videos), 100 ids a "
    "call, plus the posts tracked by URL (`ensembledata.post_urls`, via `/tt/post/info`). Partitioned by the "
    "UTC day of collection, so the same post observed on many days is an engagement time series. "
    "Lake: `ensembledata/post_stats/date=<day>/`.",
)  # fmt: skip
POST_INFO = Endpoint(
    SOURCE, "tt/post/info", ds.POST_STATS, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "url", "post_stats",
    POST_STATS.description,
)  # fmt: skip
MUSIC_DETAILS = Endpoint(
    SOURCE, "tt/music/details", ds.MUSIC_DETAILS, Paging.SINGLE, PartitionKind.COLLECTION_DAY, "id",
    "music_details",
    "Details of every monitored sound (`ensembledata.music`), incl. `user_count` (videos using it), partitioned "
    "by the UTC day of collection: a sound's reach as a time series. Lake: `ensembledata/music_details/date=<day>/`.",
)  # fmt: skip
UNITS = Endpoint(
    SOURCE, "customer/get-history", ds.UNITS, Paging.SINGLE, PartitionKind.DAY, "days", "units",
    "Units used per UTC day, as EnsembleData reports them (`/customer/get-history` for a range, "
    "`/customer/get-used-units` for one day) beside what this project's quota ledger booked (`ledger_units`): "
    "spend per day, and a check of the bookkeeping. Partitioned by the day the units were used; a day is "
    "complete once it is over. Free calls (0 units). Lake: `ensembledata/units/date=<day>/`.",
)  # fmt: skip
UNITS_OF_DAY = Endpoint(
    SOURCE, "customer/get-used-units", ds.UNITS, Paging.SINGLE, PartitionKind.DAY, "date", "units",
    UNITS.description,
)  # fmt: skip

# One declaration per asset (its main call), and the other calls that feed the same assets.
ENDPOINTS: tuple[Endpoint, ...] = (
    HASHTAG_POSTS, HASHTAG_RECENT_POSTS, KEYWORD_POSTS, KEYWORD_FULL_POSTS, USER_SEARCH, MUSIC_SEARCH,
    LIKED_POSTS, FOLLOWERS, FOLLOWINGS, MUSIC_POSTS, USER_POSTS, COMMENTS, USER_INFO, POST_STATS, MUSIC_DETAILS,
    UNITS,
)  # fmt: skip
ALTERNATES: tuple[Endpoint, ...] = (
    USER_POSTS_BY_SECUID, COMMENT_REPLIES, USER_INFO_BY_SECUID, POST_INFO, UNITS_OF_DAY,
)  # fmt: skip
SNAPSHOT_ENDPOINTS = tuple(
    e for e in ENDPOINTS
    if e.partition in (PartitionKind.HASHTAG, PartitionKind.KEYWORD, PartitionKind.ACCOUNT, PartitionKind.MUSIC)
)  # fmt: skip

SHAPES: dict[str, Shape] = {
    **{e.path: shapes.POST for e in (*ENDPOINTS, *ALTERNATES) if e.dataset in ds.POST_DATASETS},
    COMMENTS.path: shapes.COMMENT,
    COMMENT_REPLIES.path: shapes.COMMENT,
    USER_INFO.path: shapes.WEB_USER,
    USER_INFO_BY_SECUID.path: shapes.APP_USER,
    USER_SEARCH.path: shapes.SEARCH_USER,
    FOLLOWERS.path: shapes.EDGE,
    FOLLOWINGS.path: shapes.EDGE,
    MUSIC_SEARCH.path: shapes.MUSIC,
    MUSIC_DETAILS.path: shapes.MUSIC,
    UNITS.path: shapes.UNITS,
    UNITS_OF_DAY.path: shapes.UNITS,
}

# Assumed units per call for forecasts (per unit of `depth` for user posts; per started block of 20 posts for
# the full searches). The reference leaves prices open; what a response cost is its `units_charged` header.
PRICES: dict[str, int] = {e.path: 1 for e in (*ENDPOINTS, *ALTERNATES)}
PRICES.update({UNITS.path: 0, UNITS_OF_DAY.path: 0, HASHTAG_RECENT_POSTS.path: 2, KEYWORD_FULL_POSTS.path: 2})
FULL_SEARCH_BLOCK = 20


def by_path(path: str) -> Endpoint | None:
    """The declaration of an EnsembleData path (``tt/user/info``, ``/apis//tt/user/info/``), if collected."""
    key = "/".join(p for p in path.split("/") if p).removeprefix("apis/")
    return next((e for e in (*ENDPOINTS, *ALTERNATES) if e.path == key), None)
