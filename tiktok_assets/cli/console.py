"""Keep the terminal for people: everything a long command's libraries print goes to a log file instead."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def terminal_and_log(log_path: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr — Dagster's DEBUG event log, dbt's output, warnings, child
    processes — to ``log_path`` (truncated), and yield a stream to the real terminal for progress and the
    summary. File descriptors are redirected, not just ``sys.stdout``: Dagster's console logger and dbt's
    subprocess write to them directly. An exception leaves after the terminal is restored, so it shows."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", buffering=1, encoding="utf-8", errors="replace")
    with log_path.open("wb") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()
