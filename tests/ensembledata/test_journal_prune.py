"""The page journal cleans up after itself on the lake's storage: clearing one scope deletes its pages and the
folders they leave empty, and nothing of another scope still in use."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tiktok_assets.collect.journal import PREFIX, Journal
from tiktok_assets.lake.storage import LocalStorage


def _journal(storage: LocalStorage, scope: str) -> Journal:
    journal = Journal(storage, "root-run", scope)
    for chain in ("a", "b"):
        log = journal.chain(chain)
        for _ in range(3):
            log.append(pa.table({"x": [1]}), {"cursor": 1})
    return journal


def test_clearing_a_journal_prunes_its_folders_and_keeps_the_others(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    done, running = _journal(storage, "done"), _journal(storage, "running")
    done.clear()
    assert not (tmp_path / done.prefix).exists()  # no empty folder of the cleared scope is left
    assert len(running.page_keys()) == 6  # the other scope of the same run is untouched
    running.clear()
    assert (tmp_path / PREFIX).is_dir() and not list((tmp_path / PREFIX).iterdir())  # the run's folder too
