"""EnsembleData refusals the world cannot produce by itself: restricted topics and users, account states.

The reference lists 469 (topic restricted), 471 (user restricted), 474 (profile unavailable), 492 (unverified
email) and 493 (subscription expired) without saying when they happen. The sandbox makes each one
deterministic with documented names (README, "The sandbox"), chosen outside the world's vocabulary and
username scheme so that no generated video, account or truth changes:
- hashtags/keywords in RESTRICTED_TOPICS → 469 on the hashtag and keyword searches;
- usernames in RESTRICTED_USERS → 471 / 474 on every endpoint that takes a ``username``;
- tokens in TOKEN_STATES → 492 / 493 on every endpoint (an account state, so before the 491 check).
These refusals cost no units, like every other error.
"""

from __future__ import annotations

from tiktok_assets.sandbox.ensembledata.params import EdError

RESTRICTED_TOPICS = frozenset({"restrictedtopic", "bannedtopic"})
RESTRICTED_USERS: dict[str, tuple[int, str]] = {
    "restricted.user": (471, "User restricted"),
    "unavailable.user": (474, "Profile unavailable"),
}
TOKEN_STATES: dict[str, tuple[int, str]] = {
    "sandbox-token-unverified": (492, "Unverified email: confirm your email address to use the API"),
    "sandbox-token-expired": (493, "Subscription expired: renew your plan to use the API"),
}


def check_topic(name: str) -> None:
    """469 when any word of a hashtag/keyword search names a restricted topic."""
    words = name.lower().replace("#", " ").split()
    if any(w in RESTRICTED_TOPICS for w in words):
        raise EdError(469, "Topic restricted")


def check_user(username: str) -> None:
    refusal = RESTRICTED_USERS.get(username.lower())
    if refusal is not None:
        raise EdError(*refusal)


def token_state(token: str | None) -> tuple[int, str] | None:
    """(status, detail) of a documented account-state token, else None."""
    return TOKEN_STATES.get(token or "")
