"""What ``tiktok-assets fetch`` writes: the endpoint's records deduplicated by key, normalized to the lake's
schema for its dataset where one is declared (else a generic ``key, record_json, collected_at`` table), written
atomically; records that cannot be keyed go to ``FILE.quarantine.parquet`` beside it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from tiktok_assets.lake.datasets import Dataset

# VCE category → the Research lake dataset of the same shape (`fetch` output; the VCE assets write their own).
VCE_DATASETS = {
    "video": "videos",
    "comment": "comments",
    "followers_list": "followers",
    "following_list": "following",
    "liked_videos": "liked_videos",
    "pinned_videos": "pinned_videos",
    "reposted_videos": "reposted_videos",
}


def dataset_for(api: str, endpoint: str) -> Dataset | None:
    """The lake dataset an endpoint writes (its declaration), or None (a generic table)."""
    from tiktok_assets.endpoints import research
    from tiktok_assets.lake import datasets

    if api == "research":
        declared = research.by_path(endpoint)
        return declared.dataset if declared else None
    name = VCE_DATASETS.get(endpoint.strip("/")) if api == "vce" else None
    return datasets.get("research", name) if name else None


def _key(record: Mapping[str, Any], api: str, endpoint: str) -> str:
    if api == "ensembledata":
        from tiktok_assets.clients.ensembledata_endpoints import endpoint_for, record_key

        return (
            record_key(record, endpoint_for(endpoint))
            or orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
        )
    for k in ("id", "playlist_id", "username"):
        if record.get(k) is not None:
            return str(record[k])
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def write_output(
    out: Path,
    api: str,
    endpoint: str,
    records: list[dict[str, Any]],
    params: Mapping[str, Any],
    collected_at: datetime,
) -> tuple[str, int, int]:
    """Dedupe by key (first wins), normalize, write atomically. Returns (dataset or 'generic', rows,
    records quarantined: they go to ``quarantine_path``)."""
    import pyarrow as pa

    from tiktok_assets.lake.normalize import quarantine_table, quarantined, without_quarantine

    unique: dict[str, dict[str, Any]] = {}
    if endpoint.strip("/").endswith("playlist/info") and records:  # pages → one playlist record
        merged = dict(records[0])
        merged["playlist_video_ids"] = list(
            dict.fromkeys(i for r in records for i in (r.get("playlist_video_ids") or []))
        )
        records = [merged]
    for r in records:
        unique.setdefault(_key(r, api, endpoint), r)
    dataset = dataset_for(api, endpoint)
    if dataset is not None:
        from tiktok_assets.clients.planner import as_date
        from tiktok_assets.lake.normalize import normalize

        window = None
        if "start_date" in params and "end_date" in params:
            window = (as_date(str(params["start_date"])), as_date(str(params["end_date"])))
        table = normalize(dataset, list(unique.values()), collected_at, window)
        name = dataset.name
    else:
        name = "generic"
        table = pa.table(
            {
                "key": pa.array(list(unique), pa.string()),
                "record_json": pa.array([orjson.dumps(r).decode() for r in unique.values()], pa.string()),
                "collected_at": pa.array([collected_at] * len(unique), pa.timestamp("s", tz="UTC")),
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    held = quarantined(table)
    _write_atomically(without_quarantine(table), out)
    if held:
        _write_atomically(quarantine_table(held), quarantine_path(out))
    return name, table.num_rows, len(held)


def quarantine_path(out: Path) -> Path:
    """Where ``fetch`` keeps the records it could not key: beside the output (the lake's quarantine shape)."""
    return out.with_name(out.stem + ".quarantine.parquet")


def _write_atomically(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
