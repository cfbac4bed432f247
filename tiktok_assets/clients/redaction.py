"""Secret hygiene for every client: secrets that never show themselves, and text with secrets masked.

Three lines of defence, all here so that what counts as a secret is decided in one place:

- ``Secret`` wraps a credential so that no repr, str or f-string shows it, and registers its value;
- ``redact`` masks every registered value and every secret-looking pattern (``token=``, ``Bearer …``) in a
  text: error messages pass through it at construction (``errors.ApiError``), log records through the
  ``RedactingFilter`` that ``install_log_redaction`` attaches to httpx's, httpcore's and our loggers;
- ``InjectParams``: an API token that must travel in the URL (EnsembleData) is added inside the transport
  layer, below httpx's own request logging, so neither httpx's log line, ``Request.__repr__`` nor an
  exception's ``request`` ever holds it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping

import httpx

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# Shapes a secret can take even when we were never told its value (another process's token, say).
_PATTERNS = (
    re.compile(r"(?i)(?<![a-z_])(token|client_secret|access_token|secret)=([^&\s\"']+)"),
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)"),
    re.compile(r"\b(clt\.)([A-Za-z0-9._-]+)"),
)
MASK = "***"


def register_secret(value: str | None) -> None:
    """Remember a secret so every later ``redact`` call (and the logging filter) masks it."""
    if value and len(value) >= 4:  # masking 1–3 char strings would garble ordinary text
        with _secrets_lock:
            _secrets.add(value)


def redact(text: object) -> str:
    """``text`` with every registered secret and every secret-looking pattern masked."""
    out = str(text)
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in out:
            out = out.replace(secret, MASK)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + MASK, out)
    return out


class Secret:
    """A string that never shows itself in a repr, str or f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


# --- log redaction -----------------------------------------------------------------------------------------

# Logger filters only see records logged on that very logger, not its children: list every one that logs.
_REDACTED_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "tiktok_assets",
    "tiktok_assets.clients",
    "tiktok_assets.clients.transport",
)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message (formatted once, args cleared)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; let the handler report it
            return True
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction(*more: logging.Logger) -> None:
    """Idempotent: attach the redacting filter to httpx's, httpcore's and our loggers (and ``more``)."""
    for logger in (*(logging.getLogger(name) for name in _REDACTED_LOGGERS), *more):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class InjectParams(httpx.BaseTransport):
    """Adds secret query parameters to the request that goes on the wire, not to the one httpx logs."""

    def __init__(self, inner: httpx.BaseTransport, params: Mapping[str, Secret]) -> None:
        self._inner = inner
        self._params = dict(params)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_merge_params({k: v.get() for k, v in self._params.items()})
        wire = httpx.Request(
            request.method, url, headers=request.headers, stream=request.stream, extensions=request.extensions
        )
        return self._inner.handle_request(wire)

    def close(self) -> None:
        self._inner.close()
