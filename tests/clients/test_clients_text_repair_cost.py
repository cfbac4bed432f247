"""Clean text at the cost of the parse: a body is walked string by string only when it can need it.

The client used to walk every string of every page after parsing it (3.8x the parse). Now ``loads_exact``
removes NUL escapes (``\\u0000``, the only way JSON carries a NUL) from the bytes before the parse, and walks
a body only when it went to the stdlib parser (bad text, 20-digit ids). What is repaired and counted must not change: compared here with
the walk-everything path on real sandbox bodies with the text faults on, and on captured pages with NULs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest

from tiktok_assets.clients import responses
from tiktok_assets.clients.responses import TextRepairs, clean_text, loads_exact
from tiktok_assets.sandbox.testing import ResearchRaw

FIXTURES = Path(__file__).parent / "fixtures"
FYP = {"and": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["fyp"]}]}


def walk_everything(content: bytes, repairs: TextRepairs) -> Any:
    """The client before: parse (orjson, or the stdlib parser for bad text and big ints), then walk every
    string of the page (``research_errors.classify`` did it on every answer)."""
    if not re.search(rb"\d{20}", content):
        try:
            return clean_text(orjson.loads(content))
        except orjson.JSONDecodeError:
            pass
    return clean_text(clean_text(json.loads(content.decode("utf-8", "surrogateescape")), repairs))


def sandbox_bodies(sandbox_factory: Any) -> list[bytes]:
    sb = sandbox_factory(faults={"bad_text": 0.3, "oversized_id": 0.2})
    raw = ResearchRaw(sb)
    bodies = []
    try:
        body: dict[str, Any] = {
            "query": FYP,
            "start_date": "20260501",
            "end_date": "20260520",
            "max_count": 100,
        }
        for _ in range(4):
            r = raw.post("video/query", body)
            assert r.status_code == 200, r.text
            bodies.append(r.content)
            data = json.loads(r.content.decode("utf-8", "surrogateescape"))["data"]
            if not data["has_more"]:
                break
            body = {**body, "cursor": data["cursor"], "search_id": data["search_id"]}
    finally:
        raw.close()
    return bodies


def test_repairs_and_counts_are_those_of_walking_everything(sandbox_factory: Any) -> None:
    bodies = sandbox_bodies(sandbox_factory)
    bodies += [p.read_bytes() for p in sorted(FIXTURES.glob("*.json"))]
    assert any(b"\\u0000" in b for b in bodies), "no body with a NUL: the comparison would prove nothing"
    counted = 0
    for content in bodies:
        now, before = TextRepairs(), TextRepairs()
        assert loads_exact(content, now) == walk_everything(content, before)
        assert now.count == before.count
        counted += now.count
    assert counted > 0, "no bad text in the sandbox bodies: the fault did not reach them"


EDGES = [
    rb'{"a\u0000": "\u0000\u0000x\u0000"}',  # NULs in a key, in a row, at both ends
    rb'{"t": "\\u0000 is the text of an escaped backslash"}',  # not a NUL: kept
    rb'{"t": "\\\u0000 backslash then NUL", "u": "\\\\u0000"}',
    rb'{"t": "\ud83d\u0000\ude00"}',  # a NUL between the halves of a pair: the pair joins, as before
    rb'{"t": "\ud83d\u0000", "id": 70000000000000000001}',  # lone surrogate and big int: stdlib path
    rb'["\u0000", 1, null, {"k": ["\u0000"]}]',
]


@pytest.mark.parametrize("content", EDGES)
def test_nul_escapes_next_to_backslashes_and_surrogates(content: bytes) -> None:
    now, before = TextRepairs(), TextRepairs()
    assert loads_exact(content, now) == walk_everything(content, before)
    assert now.count == before.count


def test_nul_bytes_are_stripped_without_a_count() -> None:
    content = (FIXTURES / "c4d_api_videos_response_unicode_with_null_bytes.json").read_bytes()
    repairs = TextRepairs()
    video = loads_exact(content, repairs)["data"]["videos"][0]
    assert video["username"] == "حموديالباشا4"
    assert repairs.count == 0


@pytest.mark.parametrize(
    ("body", "walks"),
    [
        (b'{"data": {"videos": [{"id": 1, "video_description": "plain"}]}}', 0),
        (b'{"data": {"videos": [{"id": 1, "video_description": "a\\u0000b"}]}}', 0),
        (b'{"data": {"videos": [{"id": 70000000000000000001, "video_description": "big id"}]}}', 1),
        (b'{"data": {"videos": [{"id": 1, "video_description": "cut \\ud83d"}]}}', 1),
    ],
)
def test_a_body_is_walked_only_when_it_can_need_it(body: bytes, walks: int) -> None:
    with mock.patch.object(responses, "clean_text", wraps=responses.clean_text) as walk:
        parsed = loads_exact(body, TextRepairs())
    assert (walk.call_count > 0) == bool(walks)
    text = parsed["data"]["videos"][0]["video_description"]
    assert "\x00" not in text and not re.search("[\ud800-\udfff]", text)
