"""Which assets write each lake dataset, across sources: the lineage dbt sources and reports hang from.

Derived from the endpoint declarations and monitoring.yaml, without building the assets, so the dbt and
analysis definitions load on their own.
"""

from collections.abc import Callable

import dagster as dg

from tiktok_assets.config import Monitoring
from tiktok_assets.endpoints import ensembledata, research, vce
from tiktok_assets.endpoints.spec import Endpoint
from tiktok_assets.lake.datasets import Dataset, quarantine_of


def _research_names(endpoint: Endpoint, monitoring: Monitoring) -> list[dict[str, str]]:
    """One asset per named query for ``videos_{query}``; one asset otherwise."""
    return [{"query": q.name} for q in monitoring.queries] if "{query}" in endpoint.asset_name else [{}]


# Per source: its declarations and how many assets each becomes. A new source adds one line.
SOURCES: tuple[tuple[tuple[Endpoint, ...], Callable[[Endpoint, Monitoring], list[dict[str, str]]]], ...] = (
    (research.ENDPOINTS, _research_names),
    (ensembledata.ENDPOINTS, lambda _endpoint, _monitoring: [{}]),  # one asset per declaration
    (vce.ENDPOINTS, lambda e, m: [{"query": q.name} for q in m.vce_queries if q.category == e.path]),
)


def dataset_writers(monitoring: Monitoring) -> dict[Dataset, list[dg.AssetKey]]:
    out: dict[Dataset, list[dg.AssetKey]] = {}
    for endpoints, names_of in SOURCES:
        for endpoint in endpoints:
            keys = [
                dg.AssetKey([endpoint.source, endpoint.asset_name.format(**n)])
                for n in names_of(endpoint, monitoring)
            ]
            out.setdefault(endpoint.dataset, []).extend(keys)
            # Records its dataset cannot hold go to the source's quarantine, committed by the same asset.
            out.setdefault(quarantine_of(endpoint.source), []).extend(keys)
    return out


def collection_keys(monitoring: Monitoring) -> list[dg.AssetKey]:
    """Every asset that writes the lake, sorted by key."""
    keys = {k for ks in dataset_writers(monitoring).values() for k in ks}
    return sorted(keys, key=lambda k: k.to_user_string())
