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
import pyarrow.compute as pc

from tiktok_assets.clock import day_start
from tiktok_assets.lake.datasets import TS, Dataset
from tiktok_assets.lake.normalize_coerce import fits
from tiktok_assets.lake.normalize_columns import build_columns, infer_page

QUARANTINE_META = b"quarantine"  # schema metadata: JSON list of quarantine rows (``quarantine_row``)


def _epoch(value: datetime | date | int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, date):
        return day_start(value)
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
    schema metadata (``rejected_rows``). Built column by column (``normalize_columns``).
    """
    raw_records = records if isinstance(records, list) else list(records)
    renamed, page = _renamed(dataset, raw_records)
    arrays, misfits, unknown_keys = build_columns(renamed, dataset.fields, page)
    # Per row: what the schema does not declare, then each value that did not fit its column.
    extra_of: dict[int, dict[str, Any]] = {}
    if unknown_keys:
        known = {f.name for f in dataset.fields}
        for i, record in enumerate(renamed):
            if record.keys() - known:
                extra_of[i] = {k: v for k, v in record.items() if k not in known}
    for f in dataset.fields:  # in field order, as the row-wise code added them
        for i in misfits.get(f.name, ()):
            extra_of.setdefault(i, {})[f.name] = renamed[i].get(f.name)
    keep, quarantined = _split_unkeyed(dataset, arrays, raw_records, collected_at, window)
    extras = [_extra_json(extra_of.get(i)) for i in (range(len(renamed)) if keep is None else keep)]
    if keep is not None:
        indices = pa.array(keep, type=pa.int64())
        arrays = [a.take(indices) for a in arrays]
    n = len(extras)
    start, end = window or (None, None)
    arrays += [
        pa.array([_epoch(collected_at)] * n, type=TS),
        pa.array([_epoch(start)] * n, type=TS),
        pa.array([_epoch(end)] * n, type=TS),
        pa.array(extras, type=pa.string()),
    ]
    metadata = dict(dataset.schema.metadata or {})
    if quarantined:
        metadata[b"rejected_rows"] = str(len(quarantined)).encode()
        metadata[QUARANTINE_META] = json.dumps(quarantined, ensure_ascii=False).encode()
    return pa.Table.from_arrays(arrays, schema=dataset.schema.with_metadata(metadata))


def _renamed(
    dataset: Dataset, records: list[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], pa.StructArray | None]:
    """Records with older field names (``dataset.aliases``) renamed (the others as they are, no copy), and
    their inferred page (``infer_page``), whose keys tell without a look at each record whether any is old."""
    page = infer_page(records)
    olds = {old for old, _ in dataset.aliases}
    if not olds or (page is not None and not olds.intersection(page.type.names)):
        return records, page
    out: list[Mapping[str, Any]] = []
    for raw in records:
        if not olds.intersection(raw):
            out.append(raw)
            continue
        record = dict(raw)
        for old, new in dataset.aliases:
            if old in record and new not in record:
                record[new] = record.pop(old)
        out.append(record)
    return out, infer_page(out)


def _split_unkeyed(
    dataset: Dataset,
    arrays: list[pa.Array],
    records: list[Mapping[str, Any]],
    collected_at: datetime | int,
    window: Window | None,
) -> tuple[list[int] | None, list[dict[str, Any]]]:
    """Positions of the rows with a usable key (None: all of them), and quarantine rows for the others."""
    names = [f.name for f in dataset.fields]
    key_arrays = [arrays[names.index(k)] for k in dataset.key]
    if not any(a.null_count for a in key_arrays):
        return None, []
    keyed = key_arrays[0].is_valid()
    for a in key_arrays[1:]:
        keyed = pc.and_(keyed, a.is_valid())
    flags = keyed.to_pylist()
    keep = [i for i, ok in enumerate(flags) if ok]
    rows = [quarantine_row(dataset, records[i], collected_at, window) for i, ok in enumerate(flags) if not ok]
    return keep, rows


def _extra_json(extra: dict[str, Any] | None) -> str | None:
    return json.dumps(extra, ensure_ascii=False, sort_keys=True, default=_json_default) if extra else None


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
            if not fits(v, dataset.schema.field(k).type)
        )
        reason = f"{name} {value!r} does not fit {dataset.schema.field(name).type}"
    start, end = window or (None, None)
    return {"record_key": key, "reason": reason, "record_json": raw, "collected_at": _epoch(collected_at),
            "window_start": _epoch(start), "window_end": _epoch(end)}  # fmt: skip


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
