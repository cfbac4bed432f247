"""One of several processes building the dbt assets at once (tests/dbt/test_dbt_concurrency.py runs it).

``python tests/dbt/concurrent_build.py <name> <rendezvous-dir> <day> <n-processes>`` with ``TIKTOK_DATA_DIR`` set:
materializes the incremental staging asset for ``<day>`` and then the unpartitioned dbt models, with
``dg.materialize`` — the real assets, dbt CLI and warehouse lock. The only addition is instrumentation around
the lock ``run_dbt_build`` takes: every process first waits at a rendezvous (so all of them ask for the lock
at the same moment: contention is certain, not a matter of timing), and each request / grant / release is
appended to ``<rendezvous-dir>/<name>.jsonl`` with wall-clock times. Exit 0 only if every run succeeded.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import dagster as dg  # noqa: E402

from tests.dbt import location  # noqa: E402
from tiktok_assets.analysis import warehouse  # noqa: E402


def main(name: str, rendezvous: Path, day: str, processes: int) -> int:
    real_lock = warehouse.warehouse_lock
    log = rendezvous / f"{name}.jsonl"
    first = [True]

    def record(event: str, **extra: object) -> None:
        with log.open("a") as out:
            out.write(json.dumps({"event": event, "t": time.time(), **extra}) + "\n")

    @contextmanager
    def observed_lock(*args: object, **kwargs: object) -> Iterator[None]:
        if first[0]:
            first[0] = False
            (rendezvous / f"{name}.ready").touch()
            deadline = time.monotonic() + 120
            while len(list(rendezvous.glob("*.ready"))) < processes:
                if time.monotonic() > deadline:
                    raise TimeoutError("the other builds never reached the warehouse lock")
                time.sleep(0.01)
        record("request")
        with real_lock(*args, **kwargs):
            record("acquired")
            try:
                yield
            finally:
                record("release")

    warehouse.warehouse_lock = observed_lock  # run_dbt_build imports the name at call time
    resources = location.resources()
    instance = dg.DagsterInstance.ephemeral()
    runs = [
        dg.materialize([location.DBT_DAILY_STAGING], partition_key=day, resources=resources,
                       instance=instance, raise_on_error=False),
        dg.materialize([location.DBT_MODELS], resources=resources, instance=instance, raise_on_error=False),
    ]  # fmt: skip
    for run in runs:
        failed = [c.check_name for c in run.get_asset_check_evaluations() if not c.passed]
        record("run", success=run.success, failed_checks=failed)
        for event in run.get_step_failure_events():
            print(event.step_failure_data.error.to_string(), file=sys.stderr)
    return 0 if all(r.success for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
