"""The fake Research client of the wiring tests offers exactly the surface the assets may call
(``clients.protocols.ResearchApi``): same names, parameters, kinds, defaults and types as the real client."""

from __future__ import annotations

from fakes import FakeClient

from tests.clients.test_clients_protocols import mismatches, protocol_methods
from tiktok_assets.clients.protocols import ResearchApi


def test_the_fake_client_has_the_protocol_surface() -> None:
    assert isinstance(FakeClient(), ResearchApi)
    assert [
        m for name in protocol_methods(ResearchApi) for m in mismatches(ResearchApi, FakeClient, name)
    ] == []
