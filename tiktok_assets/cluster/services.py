"""What every local service stand-in shares: a free loopback port, a typed "cannot run here" error, waiting for
a port to accept connections, and stopping a process group we started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time


class ServiceUnavailableError(RuntimeError):
    """A service cannot run on this machine (a binary or user is missing); the message says what to install."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} before listening on {port}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def stop_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """TERM the process group we started (``start_new_session=True``), then KILL what is left."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
