"""The quarantine: records a dataset could not hold, kept with the raw record and the reason.

A record whose key cannot be stored (an id beyond int64 — a captured page holds a 20-digit id —, or no key
at all) cannot be deduplicated or joined, so it does not go into its dataset; it is not dropped either. It
lands in ``<lake>/<source>/quarantine/dataset=<name>/partition=<the dataset's partition>/``, committed with
that partition (``PartitionWriter``), counted in the asset's metadata, and an asset check fails while any is
there. ``record_json`` is the record as received (integers exact), so nothing the API sent is lost.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from tiktok_assets.lake.datasets.base import Dataset

NAME = "quarantine"
FIELDS: tuple[pa.Field, ...] = (
    # The record's key as text ("73207681965695992750"), or "sha1:<digest of the record>" when it has none.
    pa.field("record_key", pa.string(), nullable=False),
    pa.field("reason", pa.string()),  # why the dataset could not hold it
    pa.field("record_json", pa.string()),  # the record as the API sent it
)
DIMS = ("dataset", "partition")
COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    (
        "record_key",
        "The record's key as text (exact, e.g. a 20-digit id), or sha1:<digest> when it has none.",
    ),
    ("reason", "Why the dataset could not hold the record (e.g. id beyond int64, no key)."),
    ("record_json", "The record exactly as the API sent it (integers exact)."),
    ("dataset", "The dataset the record was meant for."),
    ("partition", "That dataset's partition the record belongs to, as dim=value/…"),
)


def quarantine_of(source: str) -> Dataset:
    """The quarantine dataset of one source (its records, whatever dataset they were meant for)."""
    return Dataset(
        source, NAME, FIELDS, ("record_key",), DIMS,
        f"{source} records a dataset could not hold (e.g. an id beyond int64), with the reason and the raw "
        "record; one partition per partition of the dataset they were meant for.",
        preview_columns=("record_key", "reason", "record_json"), column_docs=COLUMN_DOCS,
    )  # fmt: skip


def quarantine_partition(dataset: Dataset, partition: Mapping[str, str]) -> dict[str, str]:
    """Where the quarantined records of ``dataset``'s ``partition`` are kept."""
    return {"dataset": dataset.name, "partition": "/".join(f"{k}={v}" for k, v in partition.items())}
