"""The handler contract: what the server hands an emulator and what it gets back (no sockets here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class SandboxRequest:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # keys lower-case
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON whatever the Content-Type (clients send text/plain too); big ints exact."""
        return orjson.loads(self.body) if self.body else None

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class SandboxResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, obj: Any, headers: dict[str, str] | None = None) -> SandboxResponse:
        # orjson writes Python ints exactly (ids above 2**53 stay integers); OPT_NON_STR_KEYS for int-keyed maps.
        return cls(
            status, orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), "application/json", dict(headers or {})
        )

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> SandboxResponse:
        return cls(status, text.encode(), content_type, {})
