"""What the named VCE queries will spend over a window, before it runs.

Each query runs one task per UTC day, and a task returns at most its ``limit`` records; the VCE counts the
records a task returns, so a window costs at most ``days × limit`` records (the real spend is the matches,
which only the task knows). That bound is also what the assets reserve against the test stage's 5,000
records a day before creating a task, so the figure says how many days of the test stage a window needs.
Requests are the RQS calls: at least a create, a status poll and a result read per task (more polls while a
task runs; an execution-stage day whose result reaches the limit is split and asked again).
"""

from __future__ import annotations

import math
from datetime import date

from tiktok_assets.config import Monitoring
from tiktok_assets.endpoints.vce import STAGES
from tiktok_assets.forecast.line import ForecastLine

API = "vce"
MIN_CALLS_PER_TASK = 3  # create_query_task, check_query_task_status (Completed), get_query_task_result


def forecast(monitoring: Monitoring, start: date, end: date) -> list[ForecastLine]:
    """Per named VCE query: records (an upper bound) and RQS requests (a lower bound) for ``start..end``."""
    days = (end - start).days + 1
    if days <= 0:
        return []
    lines: list[ForecastLine] = []
    for query in monitoring.vce_queries:
        stage = STAGES[query.stage]
        asset = f"vce/{query.name}"
        records = days * query.spec.limit
        basis = f"at most {query.spec.limit:,} records × {days} daily tasks ({stage.name} stage"
        if stage.daily_records:
            need = math.ceil(records / stage.daily_records)
            basis += f": {stage.daily_records:,} records a day, so up to {need} day(s) of its allowance"
        lines.append(ForecastLine(asset, API, "records", records, basis + ")"))
        lines.append(
            ForecastLine(
                asset, API, "requests", days * MIN_CALLS_PER_TASK,
                f"≥ {MIN_CALLS_PER_TASK} RQS calls × {days} tasks (create, status, result; more polls while running)",
            )
        )  # fmt: skip
    return lines
