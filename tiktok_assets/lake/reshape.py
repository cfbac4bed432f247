"""Nested API records → flat rows for a dataset, declared as data: each column names where it is read from.

A ``Shape`` maps columns to paths in the record (``("statistics", "play_count")``), to structs built from
several paths, or to a function of the whole record (a derived column such as hashtags from ``text_extra``).
Whatever the record holds beyond the paths read is kept under dotted names (``"author.signature"``), so
``normalize`` puts it in ``extra_json``: nothing the API sent is dropped, however its shape changes.
Pure Python; no Arrow, no Dagster, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str, ...]
# A column's source: a path, a struct of sub-columns (name → path), or a function of the whole record.
Source = Path | Mapping[str, Path] | Callable[[Mapping[str, Any]], Any]


def get(record: Mapping[str, Any], path: Path) -> Any:
    """The value at ``path``, or None when any step is missing or not a mapping."""
    value: Any = record
    for step in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


@dataclass(frozen=True)
class Shape:
    """How one API record shape becomes a dataset row (see the module docstring).

    ``reads`` lists paths a derived column reads (or the API repeats, like ``statistics.aweme_id``) that are
    therefore not kept as extras; ``root`` is where the record's object sits (``("user_info",)`` in search
    results), so the same shape serves the nested and the plain variant.
    """

    columns: Mapping[str, Source]
    reads: tuple[Path, ...] = ()
    root: Path = ()
    constants: Mapping[str, Any] = field(default_factory=dict)

    def row(self, record: Mapping[str, Any]) -> dict[str, Any]:
        obj = get(record, self.root) if self.root else record
        if not isinstance(obj, Mapping):
            obj = {}
        out: dict[str, Any] = dict(self.constants)
        used: set[Path] = set(self.reads)
        for column, source in self.columns.items():
            if isinstance(source, tuple):
                out[column] = get(obj, source)
                used.add(source)
            elif isinstance(source, Mapping):
                parts = {name: get(obj, path) for name, path in source.items()}
                out[column] = None if all(v is None for v in parts.values()) else parts
                used.update(source.values())
            else:
                out[column] = source(obj)
        for name, value in _leftovers(obj, used, ()).items():
            name = ".".join((*self.root, name))  # named from the record's top, as the API nests it
            out[name if name not in out else f"{name}.raw"] = value
        if self.root:  # the wrapper's other keys (beside the object) are kept too
            outer = {k: v for k, v in record.items() if k != self.root[0]}
            out.update(_leftovers(outer, set(), ()))
        return out


def _leftovers(obj: Mapping[str, Any], used: set[Path], prefix: Path) -> dict[str, Any]:
    """Every value of ``obj`` not on a used path, named by its dotted path; partly read objects recurse."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        path = (*prefix, key)
        if path in used:
            continue
        if isinstance(value, Mapping) and any(u[: len(path)] == path for u in used):
            out.update(_leftovers(value, used, path))
        else:
            out[".".join(path)] = value
    return out
