"""Shared fixtures: a fresh sandbox over real HTTP for every test that asks for one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tiktok_assets.sandbox.testing import ResearchRaw, SandboxHandle, running_sandbox


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    """The small world (seed 7) on a fixed clock 2026-06-15T12:00:00Z, no faults, default limits."""
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    """``sandbox_factory(seed=..., size=..., now=..., faults=..., **limits)``: more sandboxes, all stopped at teardown."""
    with ExitStack() as stack:

        def start(**kwargs: Any) -> SandboxHandle:
            return stack.enter_context(running_sandbox(**kwargs))

        yield start


@pytest.fixture
def research(sandbox: SandboxHandle) -> Iterator[ResearchRaw]:
    """Raw Research API calls against ``sandbox`` (token fetched on first use)."""
    raw = ResearchRaw(sandbox)
    yield raw
    raw.close()
