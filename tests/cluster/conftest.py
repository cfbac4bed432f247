"""Fixtures of the scale-out tests: an S3 API (moto's server) and, for the end-to-end tests, the whole local
cluster (PostgreSQL, Redis, moto, Celery workers). A service that cannot run here skips with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tiktok_assets.cluster.object_store import ObjectStore
from tiktok_assets.cluster.services import ServiceUnavailableError
from tiktok_assets.cluster.stack import set_env


@pytest.fixture(scope="module")
def object_store() -> Iterator[ObjectStore]:
    """moto's S3 server on loopback with one bucket; this process's AWS_* variables point at it."""
    try:
        store = ObjectStore().start()
    except ServiceUnavailableError as exc:
        pytest.skip(str(exc))
    with ExitStack() as stack:
        stack.callback(store.stop)
        set_env(stack, store.env)
        yield store
