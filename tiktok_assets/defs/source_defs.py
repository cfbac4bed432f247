"""One source's Definitions from its assets grouped by partitioning and its automation builder (shared by
Research and EnsembleData, whose groups are wired the same way)."""

from collections.abc import Callable, Mapping
from typing import Any

import dagster as dg


def source_definitions(
    by_kind: Mapping[Any, list[dg.AssetsDefinition]],
    build_automation: Callable[[Any], tuple[list, list, list]],
    resources: Mapping[str, Any] | None = None,
) -> dg.Definitions:
    """Assets, jobs, schedules and sensors (resources: given, else wired by ``defs/resources``)."""
    jobs, schedules, sensors = build_automation(by_kind)
    return dg.Definitions(
        assets=[a for group in by_kind.values() for a in group],
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=dict(resources or {}),
    )
