"""Fixtures of the scale-out tests: an S3 API (moto's server) and, for the end-to-end tests, the whole local
cluster (PostgreSQL, Redis, moto, Celery workers). A service that cannot run here skips with the reason."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tiktok_assets.cluster.object_store import ObjectStore
from tiktok_assets.cluster.services import ServiceUnavailableError


@pytest.fixture(scope="module")
def object_store() -> Iterator[ObjectStore]:
    """moto's S3 server on loopback with one bucket; this process's AWS_* variables point at it."""
    try:
        store = ObjectStore().start()
    except ServiceUnavailableError as exc:
        pytest.skip(str(exc))
    previous = {name: os.environ.get(name) for name in store.env}
    os.environ.update(store.env)
    try:
        yield store
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        store.stop()
