"""Checkpoints inside one partition: the finished units (a video's comments, a playlist) of a partition that
is still being collected, so a retry of the same run continues where the last attempt stopped.

A partition is committed whole (``PartitionWriter``), and a day of comments is hundreds of requests: without
a checkpoint one failure throws every page of the day away. Each finished unit is published as its own small
file under ``_checkpoints/<source>/<dataset>/<partition>/root=<root run>/unit=<id>/part-0.parquet`` (outside
every dataset folder, so no reader sees it); a retry with the same root run (a step retry, a re-execution)
feeds them to the writer and skips those units; committing the partition clears them. Another run never
reads them: a new run collects afresh.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable, Sequence
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake import layout
from tiktok_assets.lake.datasets import Dataset
from tiktok_assets.lake.normalize import QUARANTINE_META, quarantined, without_quarantine
from tiktok_assets.lake.storage import LakeStorage, LocalStorage
from tiktok_assets.lake.writer import PartitionWriter

ROOT = "_checkpoints"


class Checkpoint:
    def __init__(
        self, storage: LakeStorage, dataset: Dataset, partition: dict[str, str], root_run_id: str
    ) -> None:
        self.storage, self.dataset = storage, dataset
        self.prefix = (
            f"{ROOT}/{layout.partition_prefix(dataset, partition)}/root={quote(root_run_id, safe='')}"
        )

    def _key(self, unit: str) -> str:
        return f"{self.prefix}/unit={quote(unit, safe='')}/{layout.PART_FILE}"

    def _keys(self) -> list[str]:
        return self.storage.list(self.prefix, layout.PART_FILE)

    def restore(self, writer: PartitionWriter) -> set[str]:
        """Feed every finished unit to ``writer``; returns their ids."""
        done = set()
        for key in self._keys():
            writer.write(pq.read_table(self.storage.open(key)))
            done.add(unquote(key.removesuffix("/" + layout.PART_FILE).rsplit("/unit=", 1)[1]))
        return done

    def save(self, unit: str, tables: Iterable[pa.Table]) -> None:
        """Publish one finished unit: its rows and its quarantined records, in one file."""
        tables = list(tables)
        held = [row for t in tables for row in quarantined(t)]
        schema = self.dataset.schema
        if held:
            schema = schema.with_metadata(
                {**(schema.metadata or {}), QUARANTINE_META: json.dumps(held).encode()}
            )
        rows: Sequence[pa.Table] = [without_quarantine(t).select(schema.names).cast(schema) for t in tables]
        scratch = self.storage.scratch_dir()
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / f"checkpoint-{uuid.uuid4().hex}.parquet"
        pq.write_table(pa.concat_tables(rows) if rows else schema.empty_table(), path, compression="zstd")
        self.storage.publish(path, self._key(unit))

    def clear(self) -> None:
        for key in self._keys():
            self.storage.delete(key)
        if isinstance(self.storage, LocalStorage):  # no empty folders left behind on disk
            shutil.rmtree(self.storage.path(self.prefix), ignore_errors=True)
