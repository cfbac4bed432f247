"""The Research API's OAuth side: the documented sandbox apps, the scope each is granted, issued tokens.

Tokens are client-credentials tokens (``POST /v2/oauth/token/``), deterministic in the seed and the order
they are issued in; each remembers its expiry and its app's scope, which every data endpoint checks.
"""

from __future__ import annotations

import threading

from tiktok_assets.sandbox.world.hashing import h64

CLIENT_KEY = "sandbox-key"
CLIENT_SECRET = "sandbox-secret"
SCOPE = "research.data.basic"  # required on every research endpoint (doc)
# Documented sandbox apps (all with secret CLIENT_SECRET) and the scopes their tokens carry. The two extra
# keys exist so clients can meet the scope errors of the reference (doc), which a well-configured app never
# sees: an app whose research access is not approved (401 scope_not_authorized on every data endpoint), and
# an approved app whose token was granted without the research scope (400 scope_permission_missed).
NOSCOPE_CLIENT_KEY = "sandbox-noscope-key"
MISSING_SCOPE_CLIENT_KEY = "sandbox-missing-scope-key"
APPS: dict[str, str | None] = {
    CLIENT_KEY: SCOPE,
    NOSCOPE_CLIENT_KEY: None,  # None: research access not approved for this app
    MISSING_SCOPE_CLIENT_KEY: "user.info.basic",
}


class TokenStore:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._tokens: dict[str, tuple[int, str | None]] = {}  # token -> (expiry, app scope)
        self._n = 0
        self._lock = threading.Lock()

    def issue(self, now: int, ttl: int, scope: str | None = SCOPE) -> str:
        with self._lock:
            self._n += 1
            token = f"clt.{h64(self.seed, 0x70C, self._n):016x}{h64(self.seed, 0x70D, self._n):016x}"
            self._tokens[token] = (now + ttl, scope)
            return token

    def valid(self, token: str, now: int) -> bool:
        entry = self._tokens.get(token)
        return entry is not None and now < entry[0]

    def scope(self, token: str) -> str | None:
        """The scope the token's app was granted (None: research access not approved)."""
        entry = self._tokens.get(token)
        return entry[1] if entry is not None else None
