"""Hostile bytes in Research API answers: text that is not valid Unicode and ids that do not fit int64.

Both are properties of a *record*, not of a request: the same video carries the same bad text or the same
oversized id on every page and every retry (what the live API does with its own data), so a client cannot
get past them by retrying. Decided from the seed and the record's key by ``FaultPlan.hits_record``:

- ``bad_text``: one text field ends with a lone UTF-16 surrogate escape (``\\ud83d`` / ``\\udc00``, legal
  JSON, not Unicode) or with bytes that are not UTF-8 (``\\xff\\xfe``, a cut ``\\xe2\\x82``). Strings of any
  Unicode and NUL bytes are in captured responses (client); a lone surrogate is what a UTF-16 backend emits
  when it cuts an emoji in half.
- ``oversized_id``: the record's ``id`` is sent as a bare 20-digit integer, ``7·10^19 + id`` (a captured
  page holds a 20-digit id: client). ``original_id`` maps it back for tests.

orjson refuses to write either, so records get ASCII sentinels first and ``finish_body`` swaps them for the
hostile bytes in the serialized body.
"""

from __future__ import annotations

import re
from typing import Any

from tiktok_assets.sandbox.server.faults import FaultPlan
from tiktok_assets.sandbox.world.hashing import str_key

OVERSIZED_BASE = 7 * 10**19  # above 2**63 - 1 for every int64 id, and 20 digits long
TEXT_FIELDS = (
    "video_description",
    "text",
    "display_name",
    "bio_description",
    "voice_to_text",
    "playlist_name",
)
# \u0001 is escaped by orjson as the six bytes \u0001, which no world text contains.
_BAD_TEXT = "\u0001BADTEXT{}\u0001"
_BIG_ID = "\u0001BIGID{}\u0001"
_BAD_TEXT_SERIALIZED = re.compile(rb"\\u0001BADTEXT(\d)\\u0001")
_BIG_ID_SERIALIZED = re.compile(rb'"\\u0001BIGID(\d+)\\u0001"')
# Variants of bad text: two lone surrogate escapes, two byte sequences that are not UTF-8.
_VARIANTS = (rb"\ud83d", rb"\udc00", b"\xff\xfe", b"\xe2\x82")


def original_id(oversized: int) -> int:
    """The world's id behind an ``oversized_id``."""
    return oversized - OVERSIZED_BASE


def active(faults: FaultPlan) -> bool:
    return faults.value("bad_text") > 0 or faults.value("oversized_id") > 0


def _record_key(record: dict[str, Any]) -> int | None:
    key = record.get("id", record.get("username"))
    if isinstance(key, int):
        return key
    return str_key(key) if isinstance(key, str) else None


def mark(data: dict[str, Any], faults: FaultPlan) -> dict[str, int]:
    """Put sentinels into the records of ``data`` the plan picks; how many of each kind were placed."""
    records = [r for v in data.values() if isinstance(v, list) for r in v if isinstance(r, dict)]
    if not records and any(f in data for f in TEXT_FIELDS):
        records = [data]  # user/info: the profile's fields sit directly in data
    placed = {"oversized_id": 0, "bad_text": 0}
    for record in records:
        key = _record_key(record)
        if key is None:
            key = str_key(repr(sorted(record.items()))[:200])
        if isinstance(record.get("id"), int) and faults.hits_record("oversized_id", key):
            record["id"] = _BIG_ID.format(record["id"])
            placed["oversized_id"] += 1
        field = next((f for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)
        if field is not None and faults.hits_record("bad_text", key):
            variant = int(faults.draw_record("bad_text", key) * len(_VARIANTS))
            record[field] += _BAD_TEXT.format(variant)
            placed["bad_text"] += 1
    return {kind: n for kind, n in placed.items() if n}


def finish_body(body: bytes) -> bytes:
    """The serialized answer with every sentinel replaced by its hostile bytes."""
    body = _BAD_TEXT_SERIALIZED.sub(lambda m: _VARIANTS[int(m.group(1))], body)
    return _BIG_ID_SERIALIZED.sub(lambda m: str(OVERSIZED_BASE + int(m.group(1))).encode(), body)
