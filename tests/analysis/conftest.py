"""The session's warehouse (see tests/dbt/warehouse.py)."""

from __future__ import annotations

import pytest

from tests.dbt.warehouse import Warehouse, built_warehouse


@pytest.fixture(scope="session")
def warehouse() -> Warehouse:
    return built_warehouse()
