"""Shared fixtures of the EnsembleData tests: the shipped monitoring.yaml collected for 30 days against the
sandbox over HTTP, once per module that asks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import ed_support` from the test modules

from ed_support import NOW, Collected, materialize_all, resources_for  # noqa: E402

from tiktok_assets.config import load_monitoring  # noqa: E402
from tiktok_assets.sandbox.testing import running_sandbox  # noqa: E402


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    tmp = tmp_path_factory.mktemp("ed")
    monitoring = load_monitoring()  # the shipped file
    with pytest.MonkeyPatch.context() as mp, running_sandbox(now=NOW, per_minute=1_000_000) as sandbox:
        mp.setenv("TIKTOK_CLOCK_NOW", NOW)  # the assets' clock = the sandbox's (units day, collected_at)
        resources = resources_for(sandbox, tmp)
        results = materialize_all(monitoring, resources, dg.DagsterInstance.ephemeral())
        yield Collected(sandbox, monitoring, resources["lake"], results, tmp)
