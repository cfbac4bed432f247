"""Celery workers on this machine: ``celery -A tiktok_assets.cluster.celery_app worker``, one process group
each (so a test can SIGKILL one whole worker, pool children included), logs to a file per worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tiktok_assets.cluster.celery_config import QUEUE
from tiktok_assets.cluster.services import stop_group


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def hostname(self) -> str:
        """Celery's node name, as reported in the run's "Executing steps … in celery worker" events."""
        return f"{self.name}@{os.uname().nodename}"


def start_worker(name: str, env: Mapping[str, str], log_dir: Path, concurrency: int = 1) -> Worker:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    args = [
        sys.executable, "-m", "celery", "-A", "tiktok_assets.cluster.celery_app", "worker",
        "-Q", QUEUE, "-n", f"{name}@%h", "--concurrency", str(concurrency), "--loglevel", "INFO",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(args, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    return Worker(name, process, log)


def wait_ready(workers: list[Worker], timeout: float = 120) -> None:
    """Until every worker says it is ready (Celery logs "<name> ready." once consuming)."""
    deadline = time.monotonic() + timeout
    pending = list(workers)
    while pending and time.monotonic() < deadline:
        for worker in list(pending):
            if worker.process.poll() is not None:
                raise RuntimeError(
                    f"celery worker {worker.name} exited ({worker.process.returncode}): see {worker.log}"
                )
            if worker.log.exists() and " ready." in worker.log.read_text(errors="replace"):
                pending.remove(worker)
        time.sleep(0.2)
    if pending:
        raise TimeoutError(f"celery workers not ready after {timeout:.0f}s: {[w.name for w in pending]}")


def stop_workers(workers: list[Worker]) -> None:
    for worker in workers:
        stop_group(worker.process, timeout=30)
