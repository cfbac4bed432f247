"""Fixtures of the client tests; helpers live in tests_clients_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_cluster import Cluster, running_cluster
from tests_clients_support import ed_factory, research_factory  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session (skips where none can run)."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty quota-ledger database on each backend the ledger supports (no table yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quota.sqlite'}"
    return request.getfixturevalue("pg_cluster").new_database()
