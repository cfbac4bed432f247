"""One value → the Python value its Arrow column holds: the per-value coercion rules of ``normalize``.

The columnar path (``normalize_columns``) hands a column to these rules only when a value is not already of
its column's plain type (a count sent as ``"12"``, a tag list flattened to ``"a,b"``, a NUL byte, a 20-digit
id), so what they decide is what every table holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class Misfit(Exception):  # noqa: N818 — a verdict on a value, caught by the column builder
    """A value that does not fit its column: the column gets null, the raw value goes to extra_json."""


def fits_int64(value: Any) -> bool:
    """A value the lake keys as int64 (``to_int``'s rule), so the API clients can send it back (orjson writes
    no wider integer)."""
    try:
        to_int(value)
    except Misfit:
        return False
    return value is not None and not isinstance(value, bool)


def clean_str(value: str) -> str:
    return value.replace("\x00", "") if "\x00" in value else value


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        result = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    else:
        raise Misfit
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise Misfit  # e.g. the 20-digit id in a captured page: kept verbatim in extra_json
    return result


def coerce(value: Any, typ: pa.DataType) -> Any:
    """``value`` as ``typ``'s Python value; raises ``Misfit`` when it has none."""
    if value is None:
        return None
    if pa.types.is_int64(typ):
        return to_int(value)
    if pa.types.is_timestamp(typ):
        if isinstance(value, datetime):
            return int(value.timestamp())
        return to_int(value)
    if pa.types.is_string(typ):
        if isinstance(value, str):
            return clean_str(value)
        if isinstance(value, bool | int | float):
            return str(value)
        raise Misfit
    if pa.types.is_boolean(typ):
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise Misfit
    if pa.types.is_list(typ):
        if isinstance(value, str) and pa.types.is_string(typ.value_type):
            value = [v for v in value.split(",") if v]  # some clients flatten tag lists to "a,b"
        if not isinstance(value, list | tuple):
            raise Misfit
        return [coerce(v, typ.value_type) for v in value]
    if pa.types.is_struct(typ):
        if not isinstance(value, Mapping):
            raise Misfit
        names = {typ.field(i).name for i in range(typ.num_fields)}
        if set(value) - names:
            raise Misfit  # an unknown sub-field: keep the whole object verbatim rather than half of it
        return {
            typ.field(i).name: coerce(value.get(typ.field(i).name), typ.field(i).type)
            for i in range(typ.num_fields)
        }
    raise TypeError(f"no coercion for {typ}")


def fits(value: Any, typ: pa.DataType) -> bool:
    try:
        return coerce(value, typ) is not None
    except Misfit:
        return False
