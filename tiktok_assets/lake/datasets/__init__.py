"""Every lake dataset of every source, declared once (``base.Dataset``), and the lookup by name.

A new source adds its module here: the registry is an explicit list, not import-time side effects.
"""

from __future__ import annotations

from tiktok_assets.lake.datasets import ensembledata, research, vce
from tiktok_assets.lake.datasets.base import META_FIELDS, TS, Dataset
from tiktok_assets.lake.datasets.quarantine import quarantine_of, quarantine_partition

ALL: tuple[Dataset, ...] = (
    *research.DATASETS, *ensembledata.DATASETS, *vce.DATASETS,
    quarantine_of(research.SOURCE), quarantine_of(ensembledata.SOURCE), quarantine_of(vce.SOURCE),
)  # fmt: skip
_BY_NAME = {(d.source, d.name): d for d in ALL}


def get(source: str, name: str) -> Dataset:
    """The dataset ``<source>/<name>``; a KeyError names what exists."""
    try:
        return _BY_NAME[(source, name)]
    except KeyError:
        known = ", ".join(d.qualified_name for d in ALL)
        raise KeyError(f"unknown lake dataset {source}/{name!r}; known: {known}") from None


def of_source(source: str) -> tuple[Dataset, ...]:
    return tuple(d for d in ALL if d.source == source)


def sources() -> tuple[str, ...]:
    return tuple(dict.fromkeys(d.source for d in ALL))


__all__ = [
    "ALL",
    "META_FIELDS",
    "TS",
    "Dataset",
    "get",
    "of_source",
    "quarantine_of",
    "quarantine_partition",
    "sources",
]
