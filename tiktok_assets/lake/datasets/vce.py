"""VCE query-task results in the lake (``<lake>/vce/<category dataset>/query=<name>/date=<day>/``).

One typed shape per VCE *category*, not per named query: every query of a category returns (a selection of)
the same documented fields, so one Arrow schema types them all; fields a query did not select are null.
The query is a hive dimension, so each named query still has its own folder, and dbt needs one source and
one staging model per category however many queries monitoring.yaml names (a new query needs no new
model). Only the categories a date window can partition (a ``create_time`` to fill) are datasets.

Types follow the reference's field list (reference/vce.md); where it gives none, the Research API's type of
the same field: ids and counts int64, ``create_time`` a UTC timestamp, lists of strings for tag lists. A
value of another shape is kept verbatim in ``extra_json`` by ``normalize``.
"""

from __future__ import annotations

import pyarrow as pa

from tiktok_assets.lake.datasets import research
from tiktok_assets.lake.datasets.base import Dataset

SOURCE = "vce"
DIMS = ("query", "date")  # the named query, the UTC day of create_time

_RESEARCH = {f.name: f for f in research.VIDEO_FIELDS}  # a field both APIs return has one type in the lake
VIDEO_FIELDS: tuple[pa.Field, ...] = (
    *(
        _RESEARCH[name]
        for name in (
            "id",
            "create_time",
            "username",
            "region_code",
            "video_description",
            "music_id",
            "like_count",
            "comment_count",
            "share_count",
            "view_count",
            "favorites_count",
            "effect_ids",
            "hashtag_names",
            "playlist_id",
            "voice_to_text",
        )
    ),  # fmt: skip
    pa.field("duration_type", pa.int64()),  # VCE's length bucket, not the Research API's seconds
    pa.field("stem_verified", pa.bool_()),
    pa.field(
        "hashtag_info_list",  # VCE adds the name to the Research API's (id, description)
        pa.list_(
            pa.struct(
                [
                    ("hashtag_id", pa.int64()),
                    ("hashtag_name", pa.string()),
                    ("hashtag_description", pa.string()),
                ]
            )
        ),
    ),
    _RESEARCH["effect_info_list"],
    pa.field("sticker_text", pa.list_(pa.string())),
    pa.field("video_label", pa.list_(pa.string())),  # CONTAINS-searchable tags here, not the Research struct
    _RESEARCH["video_mention_list"],
    pa.field("video_tags", pa.list_(pa.string())),
)

VIDEOS = Dataset(
    SOURCE, "videos", VIDEO_FIELDS, ("id",), DIMS,
    "Videos a named VCE query (category `video`) returned, one UTC day of create_time per partition.",
    time_column="create_time",
    preview_columns=("id", "create_time", "username", "region_code", "hashtag_names", "view_count"),
)  # fmt: skip
COMMENTS = Dataset(
    SOURCE, "comments", research.COMMENT_FIELDS, ("id",), DIMS,
    "Comments a named VCE query (category `comment`) returned, one UTC day of create_time per partition.",
    time_column="create_time",
    preview_columns=("id", "video_id", "create_time", "like_count", "reply_count", "text"),
)  # fmt: skip

DATASETS: tuple[Dataset, ...] = (VIDEOS, COMMENTS)
