"""A column of API values → an Arrow array, at Arrow's speed when the values already have the column's type.

``pa.array`` infers a type from the values in C. When the inferred type *conforms* to the column's (the same
plain types, nulls anywhere, struct objects with no unknown sub-field), every value is one the per-value rules
(``normalize_coerce.coerce``) would return unchanged, so the array is built without visiting a value in
Python. Anything else — a count sent as text, a float, a 20-digit id, a NUL byte inside a nested string, a
struct with an unknown sub-field — sends that one column through the per-value rules, which also report the
rows whose value does not fit (null in the column, the raw value in ``extra_json``). Tables are identical to
the row-wise implementation (tests/lake/test_normalize_identical.py compares them).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tiktok_assets.lake.normalize_coerce import Misfit, coerce

# What pa.array raises for values it cannot infer one type for (mixed types, ints beyond 64 bits).
_INFERENCE_ERRORS = (pa.ArrowException, OverflowError, TypeError, ValueError)


def build_columns(
    records: list[Mapping[str, Any]], fields: Sequence[pa.Field], page: pa.StructArray | None
) -> tuple[list[pa.Array], dict[str, list[int]], bool]:
    """Each field's array, the positions whose value did not fit per field, and whether any record holds a
    key that is not a field (``extra_json``). ``page`` is ``infer_page(records)``: one ``pa.array`` over the
    whole page infers every column in C; a page it cannot infer (a column of mixed types, an int beyond 64
    bits) is built column by column."""
    arrays: list[pa.Array] = []
    misfits: dict[str, list[int]] = {}
    for f in fields:
        array = None
        if page is not None:
            index = page.type.get_field_index(f.name)
            inferred = page.field(index) if index >= 0 else pa.nulls(len(records))
            array = _accept(inferred, f.type)
        if array is None:
            array, misfits[f.name] = build_column([r.get(f.name) for r in records], f.type)
        arrays.append(array)
    if page is None:
        unknown = any(r.keys() - {f.name for f in fields} for r in records)
    else:
        unknown = bool({t.name for t in page.type} - {f.name for f in fields})
    return arrays, misfits, unknown


def infer_page(records: list[Mapping[str, Any]]) -> pa.StructArray | None:
    """The records as one struct array, each key a child of its inferred type; None when they have none."""
    if not records:
        return None
    try:
        page = pa.array(records, from_pandas=False)
    except _INFERENCE_ERRORS:
        return None
    return page if pa.types.is_struct(page.type) and not page.null_count else None


def build_column(values: list[Any], typ: pa.DataType) -> tuple[pa.Array, list[int]]:
    """``values`` as an array of ``typ``, and the positions whose value did not fit (null there)."""
    try:
        fast = _accept(pa.array(values, from_pandas=False), typ)
    except _INFERENCE_ERRORS:
        fast = None
    if fast is not None:
        return fast, []
    coerced: list[Any] = []
    misfits: list[int] = []
    for i, value in enumerate(values):
        try:
            coerced.append(coerce(value, typ))
        except Misfit:
            coerced.append(None)
            misfits.append(i)
    return pa.array(coerced, type=typ), misfits


def _accept(inferred: pa.Array, typ: pa.DataType) -> pa.Array | None:
    """``inferred`` as ``typ`` when it conforms (the per-value rules would change nothing), else None."""
    if not _conforms(inferred.type, typ):
        return None
    if _holds_nul(inferred):
        if not pa.types.is_string(typ):
            return None  # a NUL inside a nested string: rare, the per-value rules strip it
        inferred = pc.replace_substring(inferred, "\x00", "")
    # null → any type, int64 → timestamp[s] (epoch seconds), structs matched by field name (absent: null)
    return inferred if inferred.type == typ else inferred.cast(typ)


@functools.cache  # a page's columns keep the same few types: decided once per pair
def _conforms(inferred: pa.DataType, declared: pa.DataType) -> bool:
    """True when every value of ``inferred`` converts to ``declared`` exactly as ``coerce`` would."""
    if pa.types.is_null(inferred):
        return True
    if pa.types.is_int64(declared) or pa.types.is_timestamp(declared):
        return pa.types.is_int64(inferred)  # a timestamp column takes epoch seconds, not datetimes
    if pa.types.is_string(declared):
        return pa.types.is_string(inferred)
    if pa.types.is_boolean(declared):
        return pa.types.is_boolean(inferred)
    if pa.types.is_list(declared):
        return pa.types.is_list(inferred) and _conforms(inferred.value_type, declared.value_type)
    if pa.types.is_struct(declared):
        if not pa.types.is_struct(inferred):
            return False
        declared_types = {declared.field(i).name: declared.field(i).type for i in range(declared.num_fields)}
        return all(f.name in declared_types and _conforms(f.type, declared_types[f.name]) for f in inferred)
    return False


def _holds_nul(array: pa.Array) -> bool:
    """Whether a string inside ``array`` (at any depth) may hold a NUL byte: a search of the strings' data
    buffers, which may span more than the array (never less), so a False is certain."""
    typ = array.type
    if pa.types.is_string(typ):
        data = array.buffers()[2]
        return data is not None and b"\x00" in data.to_pybytes()
    if pa.types.is_list(typ):
        return _holds_nul(array.values)
    if pa.types.is_struct(typ):
        return any(_holds_nul(array.field(i)) for i in range(typ.num_fields))
    return False
