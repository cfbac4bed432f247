"""The row-wise ``normalize`` as it stood before the columnar path (commit f95e141), kept only as the reference
the columnar implementation must match table for table (tests/lake/test_normalize_identical.py).

Frozen on purpose: its per-value rules are copied, not imported, so a change to the production rules shows up
as a difference. The quarantine row builder is unchanged code and is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

from tiktok_assets.lake.datasets import TS, Dataset
from tiktok_assets.lake.normalize import QUARANTINE_META, Window, _epoch, _json_default, quarantine_row

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


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


def normalize(
    dataset: Dataset,
    records: Iterable[Mapping[str, Any]],
    collected_at: datetime | int,
    window: Window | None = None,
) -> pa.Table:
    """The row-wise reference (see the module docstring)."""
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
