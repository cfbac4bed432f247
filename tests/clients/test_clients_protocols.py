"""The real clients satisfy the client Protocols by signature, not only by name.

``runtime_checkable`` ``isinstance`` only checks that the methods exist; here every Protocol method is held
against the real client's: the Protocol's parameters in the same order, with the same kinds, defaults and
types, the same return type, and anything the client adds optional and keyword-only.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest

from tiktok_assets.clients.ensembledata import EnsembleDataClient
from tiktok_assets.clients.protocols import EnsembleDataApi, ResearchApi, VceApi
from tiktok_assets.clients.research import ResearchClient
from tiktok_assets.clients.vce import VceClient

PAIRS = [(ResearchApi, ResearchClient), (EnsembleDataApi, EnsembleDataClient), (VceApi, VceClient)]


def protocol_methods(protocol: type) -> list[str]:
    return sorted(n for n, v in vars(protocol).items() if inspect.isfunction(v) and not n.startswith("_"))


def mismatches(protocol: type, cls: type, name: str) -> list[str]:
    """What keeps ``cls.name`` from being called the way ``protocol.name`` may be (empty: nothing)."""
    want_fn, have_fn = getattr(protocol, name), getattr(cls, name, None)
    if have_fn is None:
        return [f"{name}: missing"]
    want, have = inspect.signature(want_fn), inspect.signature(have_fn)
    want_types, have_types = typing.get_type_hints(want_fn), typing.get_type_hints(have_fn)
    out = []
    if want_types.get("return") != have_types.get("return"):
        out.append(f"{name}: returns {have_types.get('return')}, not {want_types.get('return')}")
    have_params = list(have.parameters.values())
    for i, p in enumerate(want.parameters.values()):
        q = have.parameters.get(p.name)
        if q is None:
            out.append(f"{name}: no parameter {p.name}")
            continue
        if q.kind != p.kind or q.default != p.default:
            out.append(f"{name}({p.name}): {q.kind.name}={q.default!r}, not {p.kind.name}={p.default!r}")
        if p.kind is not p.KEYWORD_ONLY and have_params.index(q) != i:
            out.append(f"{name}({p.name}): at position {have_params.index(q)}, not {i}")
        if p.name != "self" and want_types.get(p.name) != have_types.get(p.name):
            out.append(f"{name}({p.name}): {have_types.get(p.name)}, not {want_types.get(p.name)}")
    for q in have_params:
        if q.name not in want.parameters and (q.kind is not q.KEYWORD_ONLY or q.default is q.empty):
            out.append(f"{name}({q.name}): the client adds it, so it must be keyword-only and optional")
    return out


@pytest.mark.parametrize(("protocol", "cls"), PAIRS, ids=lambda x: x.__name__)
def test_client_signatures_match_the_protocol(protocol: type, cls: type) -> None:
    assert protocol_methods(protocol)
    assert [m for name in protocol_methods(protocol) for m in mismatches(protocol, cls, name)] == []


def test_every_ensembledata_method_is_in_its_protocol() -> None:
    public = {
        n for n, v in vars(EnsembleDataClient).items() if inspect.isfunction(v) and not n.startswith("_")
    }
    assert public <= set(protocol_methods(EnsembleDataApi))


def test_real_clients_are_instances_of_their_protocols() -> None:
    research = ResearchClient("key-1234", "secret-1234", "http://127.0.0.1:9")
    ed = EnsembleDataClient("token-1234", "http://127.0.0.1:9")
    try:
        assert isinstance(research, ResearchApi)
        assert isinstance(ed, EnsembleDataApi)
        assert isinstance(VceClient(object()), VceApi)  # type: ignore[arg-type]
        assert not isinstance(ed, ResearchApi)
    finally:
        research.close()
        ed.close()


def test_the_check_catches_a_drifted_signature() -> None:
    class Drifted:
        def iter_videos(
            self, query: Any, start_date: Any, end_date: Any, max_count: int = 100, fields: Any = None
        ) -> Iterator[Any]:
            yield from ()

    assert mismatches(ResearchApi, Drifted, "iter_videos")
    assert mismatches(ResearchApi, Drifted, "pinned") == ["pinned: missing"]
