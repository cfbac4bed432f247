"""The page journal: what a run fetched but has not committed yet, so that resuming it fetches no page twice.

An asset that commits its partitions only once every request chain of the run is done (EnsembleData's: a
hashtag's hundred pages make one snapshot) journals each page as it arrives, in the lake storage under
``_journal/<root run>/<scope>/<chain>/<seq>/page.parquet``: the page's rows with the dataset's schema, and in
the file's footer the parameters of the chain's next call (``null`` once the chain is done). A resume of the
same root run (the quota-retry sensor after a units stop, a re-execution after a crash) replays the stored
pages and continues each chain from its next call. Committing the partitions deletes the journal.

Outside every dataset's folder, so neither dbt nor the partition readers ever see it; published through the
storage seam like a partition, so it works on any storage the lake does.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tiktok_assets.lake.storage import LakeStorage

PREFIX = "_journal"
PAGE_FILE = "page.parquet"
_NEXT = b"journal_next"  # footer key: JSON of the next call's parameters, or null


def _slug(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:20]


class Journal:
    """The journal of one (root run, scope): ``scope`` names the asset and partition it collects."""

    def __init__(self, storage: LakeStorage, root_run_id: str, scope: str) -> None:
        self.storage = storage
        self.prefix = f"{PREFIX}/{_slug(root_run_id)}/{_slug(scope)}"

    def chain(self, name: str) -> ChainLog:
        return ChainLog(self, f"{self.prefix}/{_slug(name)}")

    def page_keys(self) -> list[str]:
        return self.storage.list(self.prefix, PAGE_FILE)

    def clear(self) -> None:
        """Drop the journal (its partitions are committed), and the folders it leaves empty up to ``_journal``
        (the root run's too once its last scope is gone; EnsembleData steps run one at a time, pool
        ``ensembledata_api``, so no other scope of the run is being written meanwhile)."""
        for key in self.page_keys():
            self.storage.delete(key, prune_to=PREFIX)


class ChainLog:
    """The stored pages of one request chain, in order."""

    def __init__(self, journal: Journal, prefix: str) -> None:
        self.journal = journal
        self.prefix = prefix
        self._pages = len(self._keys())

    def _keys(self) -> list[str]:
        return self.journal.storage.list(self.prefix, PAGE_FILE)

    def replay(self) -> Iterator[tuple[pa.Table, dict[str, Any] | None]]:
        """Each stored page's rows and the parameters of the call that followed it."""
        storage = self.journal.storage
        for key in self._keys():
            table = pq.read_table(storage.open(key))
            following = json.loads((table.schema.metadata or {}).get(_NEXT, b"null"))
            yield table.replace_schema_metadata(_strip(table.schema.metadata)), following

    def append(self, table: pa.Table, following: Mapping[str, Any] | None) -> None:
        """Store a page before the next call is made (``following`` = that call's parameters, or None)."""
        storage = self.journal.storage
        meta = {**(table.schema.metadata or {}), _NEXT: json.dumps(following, sort_keys=True).encode()}
        scratch: Path = storage.scratch_dir()
        scratch.mkdir(parents=True, exist_ok=True)
        tmp = scratch / f"journal-{uuid.uuid4().hex}.parquet"
        pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
        storage.publish(tmp, f"{self.prefix}/{self._pages:06d}/{PAGE_FILE}")
        self._pages += 1


def _strip(meta: Mapping[bytes, bytes] | None) -> dict[bytes, bytes]:
    return {k: v for k, v in (meta or {}).items() if k != _NEXT}
