"""Same seed -> byte-identical responses; a subprocess sandbox via the CLI answers the same way."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx

from tiktok_assets.sandbox.testing import ResearchRaw, SandboxHandle
from tiktok_assets.sandbox.world import World

WORLD = World(7, "small")
USER = next(a for a in WORLD.accounts if not a.is_private and not a.api_refused).username
QUERY = {
    "query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US", "BR"]}]},
    "start_date": "20260501",
    "end_date": "20260530",
    "max_count": 100,
}


def _session(sb: SandboxHandle) -> list[bytes]:
    raw = ResearchRaw(sb)
    out = [raw.new_token().content]
    raw._token = orjson_token(out[0])
    b = dict(QUERY)
    for _ in range(3):
        r = raw.post("video/query/", b, "id,view_count,like_count,video_description,hashtag_info_list")
        out.append(r.content)
        d = r.json()["data"]
        b.update(cursor=d["cursor"], search_id=d["search_id"])
    out.append(raw.post("user/info/", {"username": USER}).content)
    out.append(raw.post("user/followers/", {"username": USER}).content)
    out.append(raw.post("video/query/", dict(QUERY, is_random=True), "id").content)
    raw.close()
    return out


def orjson_token(content: bytes) -> str:
    import orjson

    return orjson.loads(content)["access_token"]


def test_same_seed_byte_identical(sandbox_factory: Any) -> None:
    a, b = _session(sandbox_factory()), _session(sandbox_factory())
    assert a == b
    c = _session(sandbox_factory(seed=8))
    assert a[1] != c[1]


def test_cli_serve_in_a_subprocess() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiktok_assets.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--seed",
            "7",
            "--now",
            "2026-06-15T12:00:00Z",
            "--per-minute",
            "100",
            "--faults",
            "latency_ms=1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        base = line.rsplit(" ", 1)[-1].strip()
        assert base.startswith("http://127.0.0.1:")
        sb = SandboxHandle(base)
        assert httpx.get(f"{base}/_sandbox/health").json() == {"ok": True, "seed": 7, "size": "small"}
        assert sb.clock()["now"] == "2026-06-15T12:00:00Z"
        raw = ResearchRaw(sb)
        assert raw.data("user/info/", {"username": USER})["display_name"]
        raw.close()
        sb.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
