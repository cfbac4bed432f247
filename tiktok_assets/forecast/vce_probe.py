"""``plan --probe-vce``: how many records each named VCE query matches each day of the range, asked.

The VCE has no count: a query's matches are only known by running it. The probe runs one task per query over
the whole range, in the query's own stage and with its own conditions, asking only ``id`` and the time field,
through the assets' batch runner: the stage's limits are checked against the shared ledger before the task is
created, and what it returns is booked there (a test-stage probe spends records of the day's 5,000, as many
as the range matches; an execution-stage one has no daily cap). Its limit is what the stage still allows (the
day's test-stage records left, the execution stage's 100,000 a query): a result that reaches it may hold only
part of the matches, and says so (``saturated``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from tiktok_assets.clients.vce import VceClient
from tiktok_assets.clients.vce_batch import Job, OneTask, StageBudget, run_batch
from tiktok_assets.clock import day_span
from tiktok_assets.config import Monitoring, VceQuery
from tiktok_assets.endpoints.vce import CATEGORIES


@dataclass
class QueryProbe:
    matches: dict[date, int] = field(default_factory=dict)  # day → records the probe's task returned
    records: int = 0  # what the task returned, booked on the stage's ledger
    calls: int = 0  # RQS calls
    limit: int = 0  # the task's limit
    stage: str = ""

    @property
    def saturated(self) -> bool:
        """The result reached the task's limit: the range may match more than it holds."""
        return self.records >= self.limit


def probe(
    monitoring: Monitoring, start: date, end: date, *, client: Callable[[str], VceClient],
    budget: Callable[[str], StageBudget],
) -> dict[str, QueryProbe]:  # fmt: skip
    """query name → what one task over ``start``..``end`` (inclusive) returned, per UTC day of its time field.
    ``client(stage)`` and ``budget(stage)``: the assets' (``VceResource``)."""
    return {
        q.name: _probe_query(q, start, end, client(q.stage), budget(q.stage)) for q in monitoring.vce_queries
    }


def _probe_query(
    query: VceQuery, start: date, end: date, client: VceClient, budget: StageBudget
) -> QueryProbe:
    stage = budget.stage
    limit = stage.max_limit
    if stage.daily_records is not None:  # at least 1: a spent day is refused by the budget, named
        limit = max(1, min(limit, stage.daily_records - budget.spent_today()))
    time_field = CATEGORIES[query.category].time_field or "create_time"
    spec = replace(
        query.spec.within(time_field, *day_span(start, end)), fields=f"id,{time_field}", limit=limit
    )
    answer = OneTask()
    run_batch(client, [Job(f"probe {query.name} {start}..{end}", spec)], answer, budget)
    days = Counter(_day(r.get(time_field)) for r in answer.records)
    days.pop(None, None)
    return QueryProbe(dict(days), len(answer.records), client.calls, limit, stage.name)  # type: ignore[arg-type]


def _day(value: object) -> date | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).date()  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None
