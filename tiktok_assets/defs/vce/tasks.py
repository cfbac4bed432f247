"""The days of one VCE query asset as query tasks: which task each day asks, where its id is recorded, how a
rerun finds it, and where its result lands.

- One task per UTC day: the query's condition groups plus ``create_time`` in ``[day, day + 1)``.
- The moment a task exists its id is recorded as an ``AssetObservation`` of the asset's partition (metadata
  ``task_id``, ``fingerprint``, ``window``, ``created_day``): durable in the event log before the first poll,
  and visible in the UI. So is the moment its records go on the quota ledger (``records_charged``). A later
  attempt (a rerun after a crash, a re-execution) looks up the tasks recorded for each day since that day's
  last materialization; a task with the same fingerprint is resumed, not created again, and its records are
  not booked twice.
- When a day is committed its figures are recorded the same way (``DAY_STORED``): a re-execution that skips
  the day, already stored, still reports that day's tasks, records and sample flag on its materialization.
  They are the partition's newest ``DAY_STORED``, also when a materialization followed it (the re-execution
  of a run that succeeded) and whichever run made it (a later run that collected the day again wins).
- A step reads all this once for all its days (``recorded_days``): the latest materialization of each day
  and the days' observations (one paged query), indexed by partition.
- An execution-stage result that reaches the query's ``limit`` may be cut short (the first ``limit``
  matches), so its window is split in two and both halves are asked (rows repeat and are deduplicated by id);
  a test-stage result at its limit is a random sample by design: stored, flagged ``sampled``.
- A day is committed when its last task is stored: one atomic partition, never half a day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from tiktok_assets.clients.vce_batch import Job, Outcome, RecordedTask
from tiktok_assets.clock import day_span
from tiktok_assets.collect.metadata import plain
from tiktok_assets.config import VceQuery
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.endpoints.vce import BY_CATEGORY, CATEGORIES, STAGES
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.writer import PartitionWriter

TASK_ID, FINGERPRINT, WINDOW, CREATED_DAY = "task_id", "fingerprint", "window", "created_day"
CHARGED = "records_charged"
DAY_STORED = "day_stored"  # the observation of a committed day's figures


def vce_partition(query: str, day: date) -> dict[str, str]:
    return {"query": query, "date": day.isoformat()}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class WindowJob(Job):
    """A task over ``[start, end)`` (epoch seconds) of one partition day."""

    day: date = date.min
    start: int = 0
    end: int = 0


@dataclass
class DayFigures:
    """What one partition's tasks did (its materialization's own metadata)."""

    task_ids: list[int] = field(default_factory=list)
    records: int = 0
    requests: int = 0
    windows: int = 0
    sampled: bool = False
    resumed: int = 0


PAGE = 1_000  # observations per read of the event log


def _observations(
    instance: dg.DagsterInstance, key: dg.AssetKey, partitions: Sequence[str]
) -> Iterator[dg.EventLogRecord]:
    """Every observation of ``partitions`` of ``key``, oldest first: one query, paged."""
    records_filter = dg.AssetRecordsFilter(asset_key=key, asset_partitions=list(partitions))
    cursor: str | None = None
    while True:
        page = instance.fetch_observations(records_filter, limit=PAGE, cursor=cursor, ascending=True)
        yield from page.records
        if not page.has_more:
            return
        cursor = page.cursor


@dataclass
class RecordedDays:
    """What the event log holds about a step's days, read once per step and indexed by partition."""

    # each partition's observations since its last materialization, oldest first: its unfinished tasks
    since_materialized: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    # each partition's newest DAY_STORED: the figures of the file the lake holds (a commit is observed
    # the moment it is made, so the newest one is the last commit's, whichever run made it)
    stored: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def tasks(self) -> dict[str, RecordedTask]:
        """fingerprint → the task recorded for it since its partition's last materialization."""
        created: dict[str, tuple[int, date | None]] = {}
        charged: set[int] = set()
        for meta in (m for observed in self.since_materialized.values() for m in observed):
            if TASK_ID in meta and FINGERPRINT in meta:
                day = plain(meta[CREATED_DAY]) if CREATED_DAY in meta else None
                created[str(plain(meta[FINGERPRINT]))] = (
                    int(plain(meta[TASK_ID])), date.fromisoformat(day) if day else None
                )  # fmt: skip
            elif TASK_ID in meta and CHARGED in meta:
                charged.add(int(plain(meta[TASK_ID])))
        return {fp: RecordedTask(task, day, task in charged) for fp, (task, day) in created.items()}

    def stored_figures(self, partition: str) -> dict[str, Any] | None:
        """The figures recorded when ``partition`` was last committed (None: none recorded)."""
        meta = self.stored.get(partition)
        return None if meta is None else {name: meta[name] for name in meta if name != DAY_STORED}


def recorded_days(instance: dg.DagsterInstance, key: dg.AssetKey, partitions: Sequence[str]) -> RecordedDays:
    """The observations of ``partitions`` (one paged read) split by the latest materialization of each."""
    if not partitions:
        return RecordedDays()
    materialized = instance.get_latest_storage_id_by_partition(
        key, dg.DagsterEventType.ASSET_MATERIALIZATION, set(partitions)
    )
    days = RecordedDays()
    for record in _observations(instance, key, partitions):
        observation = record.asset_observation
        if observation is None or observation.partition is None:
            continue
        partition, meta = observation.partition, observation.metadata
        if DAY_STORED in meta:
            days.stored[partition] = meta  # oldest first: the newest stays
        if record.storage_id > materialized.get(partition, 0):
            days.since_materialized.setdefault(partition, []).append(meta)
    return days


class DayTasks:
    """``BatchEvents`` for one asset step: records task ids, writes each day, keeps per-day figures."""

    def __init__(
        self, context: dg.AssetExecutionContext, lake: LakeResource, query: VceQuery, days: Sequence[date],
        lineage: Mapping[str, str], collected_at: datetime, recorded: Mapping[str, RecordedTask],
    ) -> None:  # fmt: skip
        self.context, self.lake, self.query = context, lake, query
        self.dataset = BY_CATEGORY[query.category].dataset
        self.time_field = CATEGORIES[query.category].time_field or "create_time"
        self.lineage = {**lineage, "query": query.name}
        self.collected_at = collected_at
        self.days = list(days)
        self.recorded = recorded  # fingerprint → the task an earlier attempt created for that window
        self.figures: dict[date, DayFigures] = {d: DayFigures() for d in self.days}
        self._pending: dict[date, int] = dict.fromkeys(self.days, 0)
        self._writers: dict[date, PartitionWriter] = {}

    # -- jobs ---------------------------------------------------------------------------------------------
    def job(self, day: date, start: int, end: int) -> WindowJob:
        """The window's job, resuming the task an earlier attempt recorded for it, if any."""
        spec = self.query.spec.within(self.time_field, start, end)
        key = f"{day}" if (start, end) == day_span(day) else f"{day} {_iso(start)}"
        self._pending[day] += 1
        return WindowJob(key, spec, self.recorded.get(spec.fingerprint()), day=day, start=start, end=end)

    def jobs(self) -> list[WindowJob]:
        """One whole-day job per day."""
        return [self.job(d, *day_span(d)) for d in self.days]

    # -- BatchEvents --------------------------------------------------------------------------------------
    def _observe(self, day: date, description: str, metadata: Mapping[str, Any]) -> None:
        """A fact about ``day``'s partition, durable in the event log the moment it is true."""
        self.context.log_event(
            dg.AssetObservation(
                asset_key=self.context.asset_key, partition=day.isoformat(), description=description,
                metadata=dict(metadata),
            )
        )  # fmt: skip

    def created(self, job: Job, task_id: int, day: date) -> None:
        assert isinstance(job, WindowJob)
        self._observe(job.day, f"VCE task {task_id} created for {job.key}", {
            TASK_ID: task_id, FINGERPRINT: job.spec.fingerprint(), WINDOW: f"{_iso(job.start)}..{_iso(job.end)}",
            CREATED_DAY: day.isoformat(), "stage": job.spec.stage, "limit": job.spec.limit,
        })  # fmt: skip

    def charged(self, job: Job, task_id: int, records: int) -> None:
        assert isinstance(job, WindowJob)
        self._observe(job.day, f"VCE task {task_id}: {records:,} records booked on the quota ledger",
                      {TASK_ID: task_id, CHARGED: records})  # fmt: skip

    def resumed(self, job: Job, task_id: int, status: str) -> None:
        assert isinstance(job, WindowJob)
        self.figures[job.day].resumed += 1
        self.context.log.info(
            f"{job.key}: resuming VCE task {task_id} ({status}) recorded by an earlier attempt"
        )

    def completed(self, outcome: Outcome) -> Sequence[Job]:
        job = outcome.job
        assert isinstance(job, WindowJob)
        figures = self.figures[job.day]
        figures.task_ids.append(outcome.task_id)
        figures.records += len(outcome.records)
        figures.requests += outcome.calls
        figures.windows += 1
        self._writer(job.day).write(
            normalize(self.dataset, outcome.records, self.collected_at, (job.start, job.end))
        )
        follow_up: list[Job] = []
        if len(outcome.records) >= job.spec.limit:
            if STAGES[job.spec.stage].sampled or job.end - job.start < 2:
                figures.sampled = True
                self.context.log.warning(
                    f"{job.key}: the task returned its limit of {job.spec.limit:,} records: "
                    + (
                        "a random sample (test stage)"
                        if STAGES[job.spec.stage].sampled
                        else "a 1-second window"
                    )
                )
            else:  # the first `limit` matches only: ask both halves of the window
                middle = (job.start + job.end) // 2
                follow_up = [self.job(job.day, job.start, middle), self.job(job.day, middle, job.end)]
                self.context.log.info(
                    f"{job.key}: {job.spec.limit:,} records = the limit; splitting the window"
                )
        self._pending[job.day] -= 1
        if self._pending[job.day] == 0:
            self._writers.pop(job.day).commit()
            self._observe(
                job.day, f"VCE day {job.day} stored", {DAY_STORED: True, **self._day_metadata(figures)}
            )
        return follow_up

    # -- partitions ---------------------------------------------------------------------------------------
    def _writer(self, day: date) -> PartitionWriter:
        if day not in self._writers:
            self._writers[day] = self.lake.writer(
                self.dataset, vce_partition(self.query.name, day), metadata=self.lineage
            )
        return self._writers[day]

    def abort(self) -> None:
        """Drop the days not complete (an interrupted or failed step): they stay as they were."""
        for writer in self._writers.values():
            writer.abort()
        self._writers.clear()

    @staticmethod
    def _day_metadata(f: DayFigures) -> dict[str, Any]:
        return {
            "task_ids": dg.MetadataValue.json(f.task_ids),
            "task_records": f.records,
            "task_requests": f.requests,
            "task_windows": f.windows,
            "tasks_resumed": f.resumed,
            "sampled": f.sampled,
        }

    def partition_metadata(self) -> dict[str, dict[str, Any]]:
        """This attempt's figures of each day it stored."""
        return {d.isoformat(): self._day_metadata(f) for d, f in self.figures.items()}

    def records(self) -> int:
        """Records this attempt's tasks returned (days stored or not)."""
        return sum(f.records for f in self.figures.values())
