"""Recovery from dead run workers (``collect.dead_runs``), so the next run after a crash completes with no
manual step: the code location's executor (``executor.py``, wrapped in ``reaping``) first gives back the pool
slots of runs whose worker died — the CLI and demo path —, and with the daemon a sensor does the same every
30 s (a queued run does not start while its pool is full)."""

import dagster as dg

from tiktok_assets.collect.dead_runs import dead_run_sensor


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[dead_run_sensor()])
