"""API records (dicts in the API's shape) → an Arrow table with exactly a dataset's schema.

- ids and counts become int64; a value that does not fit its column (a 20-digit id, ``"lots"`` as a count)
  becomes null there and is kept verbatim in ``extra_json`` — nothing the API returns is silently lost;
- NUL bytes are stripped from strings (the live API sends them; they break downstream tools);
- rows without a usable key (an id beyond int64, no id) cannot be deduplicated: they leave the table, and
  travel in its schema metadata — the raw record and the reason (``quarantined``) — to the writer, which
  commits them to the quarantine dataset with the partition (``datasets.quarantine``); ``rejected_rows``
  counts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from tiktok_assets.lake.datasets import TS, Dataset

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
QUARANTINE_META = b"quarantine"  # schema metadata: JSON list of quarantine rows (``quarantine_row``)


class _Misfit(Exception):
    """A value that does not fit its column: the column gets null, the raw value goes to extra_json."""


def _clean_str(value: str) -> str:
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


Window = tuple[datetime | date | int | None, datetime | date | int | None]


def normalize(
    dataset: Dataset,
    records: Iterable[Mapping[str, Any]],
    collected_at: datetime | int,
    window: Window | None = None,
) -> pa.Table:
    """``records`` as a table with exactly ``dataset.schema``.

    ``window`` is the request's time window (for a video query: its start and end day, inclusive, given as
    dates or as the UTC instants ``[start, end)``). Rows without a usable key are dropped and counted in the
    schema metadata (``rejected_rows``).
    """
    schema = dataset.schema
    fields = dataset.fields
    known = {f.name for f in fields}
    aliases = dict(dataset.aliases)
    columns: dict[str, list[Any]] = {f.name: [] for f in fields}
    extras: list[str | None] = []
    quarantined: list[dict[str, Any]] = []
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
        if any(row[k] is None for k in dataset.key):
            quarantined.append(quarantine_row(dataset, raw, collected_at, window))
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
    if quarantined:
        metadata[b"rejected_rows"] = str(len(quarantined)).encode()
        metadata[QUARANTINE_META] = json.dumps(quarantined, ensure_ascii=False).encode()
    return pa.Table.from_arrays(arrays, schema=schema.with_metadata(metadata))


def rejected_rows(table: pa.Table) -> int:
    return int((table.schema.metadata or {}).get(b"rejected_rows", b"0"))


def quarantine_row(
    dataset: Dataset, record: Mapping[str, Any], collected_at: datetime | int, window: Window | None
) -> dict[str, Any]:
    """A quarantine dataset row for a record ``dataset`` cannot hold: its key as text, why, the record."""
    raw = json.dumps(record, ensure_ascii=False, sort_keys=True, default=_json_default)
    old_names = {new: old for old, new in dataset.aliases}
    keys = [record.get(k, record.get(old_names.get(k, k))) for k in dataset.key]
    missing = [k for k, v in zip(dataset.key, keys, strict=True) if v is None]
    if missing:
        key = "sha1:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
        reason = f"no {missing[0]}"
    else:
        key = "/".join(str(v) for v in keys)
        name, value = next(
            (k, v)
            for k, v in zip(dataset.key, keys, strict=True)
            if not _fits(v, dataset.schema.field(k).type)
        )
        reason = f"{name} {value!r} does not fit {dataset.schema.field(name).type}"
    start, end = window or (None, None)
    return {"record_key": key, "reason": reason, "record_json": raw, "collected_at": _epoch(collected_at),
            "window_start": _epoch(start), "window_end": _epoch(end)}  # fmt: skip


def _fits(value: Any, typ: pa.DataType) -> bool:
    try:
        return _coerce(value, typ) is not None
    except _Misfit:
        return False


def quarantined(table: pa.Table) -> list[dict[str, Any]]:
    """The quarantine rows ``normalize`` attached to ``table`` (empty when none)."""
    raw = (table.schema.metadata or {}).get(QUARANTINE_META)
    return json.loads(raw) if raw else []


def without_quarantine(table: pa.Table) -> pa.Table:
    """``table`` without its quarantine rows (so a split of it does not carry them twice)."""
    meta = table.schema.metadata or {}
    if QUARANTINE_META not in meta:
        return table
    return table.replace_schema_metadata({k: v for k, v in meta.items() if k != QUARANTINE_META})


def quarantine_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Quarantine rows as a table of the quarantine dataset's schema (any source: the schema is shared)."""
    from tiktok_assets.lake.datasets.quarantine import quarantine_of

    schema = quarantine_of("any").schema
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in schema.names} for row in rows], schema=schema
    )
