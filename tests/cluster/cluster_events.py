"""What the cluster tests share: what the Celery executor recorded in the event log, and the truth of a query."""

from __future__ import annotations

from datetime import date

import dagster as dg

from tiktok_assets.sandbox.testing import SandboxHandle


def celery_workers(events: list[dg.EventLogEntry]) -> list[tuple[str, str]]:
    """(step key, Celery worker) of every "Executing steps … in celery worker" engine event, in order: the
    worker reports it when it starts a step (dagster-celery's ``execute_plan`` task)."""
    out = []
    for event in events:
        if event.dagster_event is not None and event.dagster_event.event_type_value == "ENGINE_EVENT":
            worker = event.dagster_event.engine_event_data.metadata.get("Celery worker")
            if worker is not None and event.step_key:
                out.append((event.step_key, str(worker.value)))
    return out


def video_truth(sandbox: SandboxHandle, query: dict, first: date, last: date) -> set[int]:
    """The ids a perfect collector gets for a named query's search over ``first``..``last``."""
    body = {"query": query, "start_date": first.strftime("%Y%m%d"), "end_date": last.strftime("%Y%m%d")}
    return {int(k) for k in sandbox.truth("research", "video/query/", body)}
