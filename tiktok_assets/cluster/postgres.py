"""A throwaway PostgreSQL server from Debian's binaries (``initdb``/``pg_ctl``), on a free loopback port.

It holds the Dagster instance (runs, event log, schedules, pool slots) and the quota ledger, one database each.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user (``runuser``). A password is
set so the URLs carry a real secret, which the tests then look for in every log.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tiktok_assets.cluster.services import ServiceUnavailableError, free_port


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    raise ServiceUnavailableError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
    )


class PostgresServer:
    """``start()``, ``url(db)`` (SQLAlchemy, psycopg 3), ``create_database(name)``, ``stop()``."""

    user = "postgres"

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam(self.user)
            except KeyError as exc:
                raise ServiceUnavailableError("running as root but there is no `postgres` user") from exc
            if shutil.which("runuser") is None:
                raise ServiceUnavailableError("running as root but `runuser` is missing")
        # /tmp, not a 0700 pytest folder the postgres user cannot enter; short, for the socket path limit.
        self.root = Path(tempfile.mkdtemp(prefix="tiktok-pg-", dir="/tmp" if self.as_root else None))
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self) -> PostgresServer:
        if self.as_root:
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self.as_root:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        datadir = self.root / "data"
        done = self._run("initdb", "-D", str(datadir), "-U", self.user, "-A", "scram-sha-256",
                         f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync", "--locale=C")  # fmt: skip
        pwfile.unlink()
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.root / "server.log"
        done = self._run("pg_ctl", "-D", str(datadir), "-l", str(log), "-o", opts, "-w", "-t", "60", "start")
        if done.returncode:
            raise RuntimeError(
                f"pg_ctl start failed:\n{done.stderr}\n{log.read_text() if log.exists() else ''}"
            )
        return self

    def url(self, db: str = "postgres") -> str:
        """SQLAlchemy URL with psycopg 3 (the quota ledger)."""
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{db}"

    def dagster_url(self, db: str) -> str:
        """Plain ``postgresql://`` (psycopg2 under SQLAlchemy 2.0), as dagster-postgres expects."""
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                             dbname="postgres", autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        datadir = self.root / "data"
        if (datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(datadir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
