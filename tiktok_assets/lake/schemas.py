"""One explicit Arrow schema per lake dataset, and the normalizer that turns API records into it.

Plain pyarrow; no Dagster, no HTTP. Rules (docs/architecture.md, "The lake"):
- ids and counts are int64 (never float); times are ``timestamp[s, UTC]``; tags are ``list<string>``;
  nested API objects stay structs.
- every row carries ``collected_at`` and the request window (``window_start``, ``window_end``).
- anything the schema does not know (an unknown key, a value that does not fit its column) is kept, as the
  API sent it, in ``extra_json`` — nothing the API returns is silently lost.
- partition dimensions (``query``, ``date``, ``account``, ``snapshot``) live in the hive path only, never in
  the files, so DuckDB's ``hive_partitioning`` does not see a column twice.

Dataset names and column names are a contract with dbt: add columns at the end, never rename.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

SOURCE = "research"

TS = pa.timestamp("s", tz="UTC")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# --- column groups -------------------------------------------------------------------------------------------

VIDEO_FIELDS: list[pa.Field] = [
    pa.field("id", pa.int64(), nullable=False),
    pa.field("create_time", TS),
    pa.field("username", pa.string()),
    pa.field("region_code", pa.string()),
    pa.field("video_description", pa.string()),
    pa.field("music_id", pa.int64()),
    pa.field("hashtag_names", pa.list_(pa.string())),
    pa.field("effect_ids", pa.list_(pa.string())),
    pa.field("playlist_id", pa.int64()),
    pa.field("voice_to_text", pa.string()),
    pa.field("is_stem_verified", pa.bool_()),
    pa.field("video_duration", pa.int64()),
    pa.field("view_count", pa.int64()),
    pa.field("like_count", pa.int64()),
    pa.field("comment_count", pa.int64()),
    pa.field("share_count", pa.int64()),
    pa.field("favorites_count", pa.int64()),
    pa.field(
        "hashtag_info_list",
        pa.list_(pa.struct([("hashtag_id", pa.int64()), ("hashtag_description", pa.string())])),
    ),
    pa.field(
        "sticker_info_list", pa.list_(pa.struct([("sticker_id", pa.string()), ("sticker_name", pa.string())]))
    ),
    pa.field(
        "effect_info_list",
        pa.list_(
            pa.struct(
                [("effect_id", pa.string()), ("effect_name", pa.string()), ("effect_photo_url", pa.string())]
            )
        ),
    ),
    pa.field("video_mention_list", pa.list_(pa.string())),
    pa.field("video_label", pa.struct([("content", pa.string())])),
    pa.field("video_tag", pa.struct([("type", pa.string()), ("number", pa.int64())])),
]

COMMENT_FIELDS: list[pa.Field] = [
    pa.field("id", pa.int64(), nullable=False),
    pa.field("video_id", pa.int64()),
    pa.field("parent_comment_id", pa.int64()),
    pa.field("text", pa.string()),
    pa.field("like_count", pa.int64()),
    pa.field("reply_count", pa.int64()),
    pa.field("create_time", TS),
    pa.field("display_name", pa.string()),
]

USER_INFO_FIELDS: list[pa.Field] = [
    pa.field("username", pa.string(), nullable=False),
    # "ok", or why the API would not return the account: "private" | "not_found" | "refused".
    pa.field("status", pa.string()),
    pa.field("display_name", pa.string()),
    pa.field("bio_description", pa.string()),
    pa.field("bio_url", pa.string()),
    pa.field("avatar_url", pa.string()),
    pa.field("is_verified", pa.bool_()),
    pa.field("follower_count", pa.int64()),
    pa.field("following_count", pa.int64()),
    pa.field("likes_count", pa.int64()),
    pa.field("video_count", pa.int64()),
]

EDGE_FIELDS: list[pa.Field] = [
    pa.field("username", pa.string(), nullable=False),
    pa.field("display_name", pa.string()),
]

PLAYLIST_FIELDS: list[pa.Field] = [
    pa.field("playlist_id", pa.int64(), nullable=False),
    pa.field("playlist_name", pa.string()),
    pa.field("playlist_item_total", pa.int64()),
    pa.field("playlist_last_updated", TS),
    pa.field("playlist_video_ids", pa.list_(pa.int64())),
]

META_FIELDS: list[pa.Field] = [
    pa.field("collected_at", TS, nullable=False),
    pa.field("window_start", TS),
    pa.field("window_end", TS),
    pa.field("extra_json", pa.string()),
]


@dataclass(frozen=True)
class Dataset:
    """A lake dataset: its columns, its row key (dedup), its time column and its hive partition dims."""

    name: str
    fields: tuple[pa.Field, ...]
    key: tuple[str, ...]
    partition_dims: tuple[str, ...]
    time_column: str | None = None
    # Older API examples use other names for the same field (``video_id`` for a video's ``id``).
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([*self.fields, *META_FIELDS], metadata={b"dataset": self.name.encode()})

    @property
    def data_columns(self) -> list[str]:
        return [f.name for f in self.fields]


_VIDEO_ALIASES = (("video_id", "id"),)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        # Videos of one named query, one UTC day of create_time each.
        Dataset("videos", tuple(VIDEO_FIELDS), ("id",), ("query", "date"), "create_time", _VIDEO_ALIASES),
        # Comments and replies of the videos created that day (any query).
        Dataset("comments", tuple(COMMENT_FIELDS), ("id",), ("date",), "create_time"),
        # A daily snapshot of the monitored accounts' profiles.
        Dataset("user_info", tuple(USER_INFO_FIELDS), ("username",), ("date",)),
        # Per-account snapshots (the day of collection is the ``snapshot`` dim).
        Dataset("followers", tuple(EDGE_FIELDS), ("username",), ("account", "snapshot")),
        Dataset("following", tuple(EDGE_FIELDS), ("username",), ("account", "snapshot")),
        Dataset("liked_videos", tuple(VIDEO_FIELDS), ("id",), ("account", "snapshot"), None, _VIDEO_ALIASES),
        Dataset("pinned_videos", tuple(VIDEO_FIELDS), ("id",), ("account", "snapshot"), None, _VIDEO_ALIASES),
        Dataset(
            "reposted_videos", tuple(VIDEO_FIELDS), ("id",), ("account", "snapshot"), None, _VIDEO_ALIASES
        ),
        # Playlists referenced by the videos created that day.
        Dataset("playlists", tuple(PLAYLIST_FIELDS), ("playlist_id",), ("date",)),
    )
}

SCHEMAS: dict[str, pa.Schema] = {name: d.schema for name, d in DATASETS.items()}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown lake dataset {name!r}; known: {sorted(DATASETS)}") from None


# --- coercion ------------------------------------------------------------------------------------------------


class _Misfit(Exception):
    """A value that does not fit its column: the column gets null, the raw value goes to extra_json."""


def _clean_str(value: str) -> str:
    # NUL bytes come back from the live API (a captured username has them) and break downstream tools.
    return value.replace("\x00", "") if "\x00" in value else value


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        result = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    else:
        raise _Misfit
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise _Misfit  # e.g. the 20-digit id in a captured page: kept verbatim in extra_json
    return result


def _coerce(value: Any, typ: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_int64(typ):
        return _to_int(value)
    if pa.types.is_timestamp(typ):
        if isinstance(value, datetime):
            return int(value.timestamp())
        return _to_int(value)
    if pa.types.is_string(typ):
        if isinstance(value, str):
            return _clean_str(value)
        if isinstance(value, bool | int | float):
            return str(value)
        raise _Misfit
    if pa.types.is_boolean(typ):
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise _Misfit
    if pa.types.is_list(typ):
        if isinstance(value, str) and pa.types.is_string(typ.value_type):
            value = [v for v in value.split(",") if v]  # some clients flatten tag lists to "a,b"
        if not isinstance(value, list | tuple):
            raise _Misfit
        return [_coerce(v, typ.value_type) for v in value]
    if pa.types.is_struct(typ):
        if not isinstance(value, Mapping):
            raise _Misfit
        names = {typ.field(i).name for i in range(typ.num_fields)}
        if set(value) - names:
            raise _Misfit  # an unknown sub-field: keep the whole object verbatim rather than half of it
        return {
            typ.field(i).name: _coerce(value.get(typ.field(i).name), typ.field(i).type)
            for i in range(typ.num_fields)
        }
    raise TypeError(f"no coercion for {typ}")


def _epoch(value: datetime | date | int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    return int(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def normalize(
    dataset_name: str,
    records: Iterable[Mapping[str, Any]],
    collected_at: datetime | int,
    window: tuple[datetime | date | int | None, datetime | date | int | None] | None = None,
) -> pa.Table:
    """API records (dicts in the API's shape) → a table with exactly ``SCHEMAS[dataset_name]``.

    ``window`` is the request's time window (for a video query: its start and end day, inclusive, given as
    dates or as the UTC instants ``[start, end)``). Rows without a usable key are dropped and counted in the
    schema metadata (``rejected_rows``) because a row the lake cannot identify cannot be deduplicated.
    """
    ds = dataset(dataset_name)
    schema = ds.schema
    fields = ds.fields
    known = {f.name for f in fields}
    aliases = dict(ds.aliases)
    columns: dict[str, list[Any]] = {f.name: [] for f in fields}
    extras: list[str | None] = []
    rejected = 0
    for raw in records:
        record = dict(raw)
        for old, new in aliases.items():
            if old in record and new not in record:
                record[new] = record.pop(old)
        extra = {k: v for k, v in record.items() if k not in known}
        row: dict[str, Any] = {}
        for f in fields:
            try:
                row[f.name] = _coerce(record.get(f.name), f.type)
            except _Misfit:
                row[f.name] = None
                extra[f.name] = record.get(f.name)
        if any(row[k] is None for k in ds.key):
            rejected += 1
            continue
        for name, value in row.items():
            columns[name].append(value)
        extras.append(
            json.dumps(extra, ensure_ascii=False, sort_keys=True, default=_json_default) if extra else None
        )
    n = len(extras)
    start, end = window or (None, None)
    arrays = [pa.array(columns[f.name], type=f.type) for f in fields]
    arrays += [
        pa.array([_epoch(collected_at)] * n, type=TS),
        pa.array([_epoch(start)] * n, type=TS),
        pa.array([_epoch(end)] * n, type=TS),
        pa.array(extras, type=pa.string()),
    ]
    metadata = dict(schema.metadata or {})
    if rejected:
        metadata[b"rejected_rows"] = str(rejected).encode()
    return pa.Table.from_arrays(arrays, schema=schema.with_metadata(metadata))


def rejected_rows(table: pa.Table) -> int:
    return int((table.schema.metadata or {}).get(b"rejected_rows", b"0"))


def empty(dataset_name: str) -> pa.Table:
    return dataset(dataset_name).schema.empty_table()


def column_names(dataset_name: str) -> Sequence[str]:
    return dataset(dataset_name).schema.names
