"""``plan --probe-vce``: which records each named VCE query matches over the range, asked.

The VCE has no count: a query's matches are only known by running it. The probe runs one task per query over
the whole range, in the query's own stage and with its own conditions, asking only ``id`` and the time field,
through the assets' batch runner: the stage's limits are checked against the shared ledger before the task is
created, and what it returns is booked there. Its limit: in the test stage what the daily tasks could return
at most (days x the query's limit), so the probe never spends more of the day's 5,000 records than the
collection will, nor more than the stage has left; in the execution stage (no daily cap) its 100,000. A result
that reaches the limit may hold only part of the matches, and says so (``saturated``).

The probe keeps each match's time, so the forecast can replay the daily tasks exactly (``forecast.vce``): a
test-stage day returns at most the query's limit, an execution-stage window that returns its limit is split in
two and asked again (``defs/vce/tasks``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import date

from tiktok_assets.clients.vce import VceClient
from tiktok_assets.clients.vce_batch import Job, OneTask, StageBudget, run_batch
from tiktok_assets.clock import day_span
from tiktok_assets.config import Monitoring, VceQuery
from tiktok_assets.endpoints.vce import CATEGORIES


@dataclass
class QueryProbe:
    times: list[int] = field(default_factory=list)  # each match's time (Unix seconds), sorted
    calls: int = 0  # RQS calls
    limit: int = 0  # the task's limit
    stage: str = ""

    @property
    def records(self) -> int:
        """What the task returned, booked on the stage's ledger."""
        return len(self.times)

    @property
    def saturated(self) -> bool:
        """The result reached the task's limit: the range may match more than it holds."""
        return self.records >= self.limit

    def matches(self, start: int, end: int) -> int:
        """Matches with a time in ``[start, end)``."""
        return bisect_left(self.times, end) - bisect_left(self.times, start)


def probe(
    monitoring: Monitoring, start: date, end: date, *, client: Callable[[str], VceClient],
    budget: Callable[[str], StageBudget], found: MutableMapping[str, QueryProbe] | None = None,
) -> MutableMapping[str, QueryProbe]:  # fmt: skip
    """query name → what one task over ``start``..``end`` (inclusive) returned. ``client(stage)`` and
    ``budget(stage)``: the assets' (``VceResource``). ``found`` is filled as each query is probed, so a caller
    can say what a probe that stopped had spent. The test-stage queries go first: a spent day refuses them
    before anything else is asked."""
    found = {} if found is None else found
    days = (end - start).days + 1
    for query in sorted(monitoring.vce_queries, key=lambda q: q.stage != "test"):
        found[query.name] = QueryProbe(stage=query.stage)
        _probe_query(query, start, end, days, client(query.stage), budget(query.stage), found[query.name])
    return found


def _probe_query(
    query: VceQuery, start: date, end: date, days: int, client: VceClient, budget: StageBudget,
    found: QueryProbe,
) -> None:  # fmt: skip
    stage = budget.stage
    found.limit = stage.max_limit
    if stage.daily_records is not None:  # at least 1: a spent day is refused by the budget, named
        left = stage.daily_records - budget.spent_today()
        found.limit = max(1, min(found.limit, days * query.spec.limit, left))
    time_field = CATEGORIES[query.category].time_field or "create_time"
    spec = query.spec.within(time_field, *day_span(start, end))
    spec = replace(spec, fields=f"id,{time_field}", limit=found.limit)
    answer = OneTask()
    try:
        run_batch(client, [Job(f"probe {query.name} {start}..{end}", spec)], answer, budget)
    finally:
        found.calls = client.calls
    found.times = sorted(t for t in (_seconds(r.get(time_field)) for r in answer.records) if t is not None)


def _seconds(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
