"""Ground truth for VCE: what an execution-stage task of a query returns at a given sandbox instant.

``POST /_sandbox/truth/vce/<category>`` with ``{condition_groups, fields?, limit?}`` answers the keys of the
records, in result order (the first ``limit`` matches, default: the execution stage's 100,000 maximum, so a
test sees every match). Test-stage tasks return a seeded random sample of these when there are more
matches than their limit; when there are fewer, they return exactly these.
"""

from __future__ import annotations

from typing import Any

from tiktok_assets.sandbox.vce.execute import execute
from tiktok_assets.sandbox.vce.fields import CATEGORIES
from tiktok_assets.sandbox.vce.query import compile_query
from tiktok_assets.sandbox.world.catalog import catalog, epoch

# The field that identifies a record of each category (what a perfect collector deduplicates on).
KEYS = {name: "id" if "id" in c.fields else "playlist_id" if name == "playlists" else "username"
        for name, c in CATEGORIES.items()}  # fmt: skip


def truth(world: Any, now: Any, category: str, params: dict[str, Any]) -> list[str]:
    """Keys of the records an execution-stage task returns; ``QueryError`` (a ValueError) when it would fail."""
    key = KEYS.get(category.strip("/"))
    if key is None:
        raise ValueError(f"unknown VCE category {category!r} (one of: {', '.join(CATEGORIES)})")
    query = compile_query(category.strip("/"), params.get("condition_groups"), key)
    limit = int(params.get("limit") or 100_000)
    rows = execute(catalog(world), query, epoch(now), limit, None)
    return [str(r[key]) for r in rows]
