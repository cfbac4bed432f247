"""A throwaway Redis (Debian's ``redis-server``) on a free loopback port: the Celery broker and result store.

No persistence (``--save ''``, no AOF): a broker that restarts loses queued steps, which the orchestrating run
then reports as lost; on a real cluster use the group's Redis (or RabbitMQ) with its own durability settings.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tiktok_assets.cluster.services import ServiceUnavailableError, free_port, stop_group, wait_for_port


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailableError("redis-server not found: apt-get install redis-server")
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tiktok-redis-"))
        self.process: subprocess.Popen[bytes] | None = None
        # A password, as on any shared broker: the broker URL is then a secret the logs must not show.
        self.password = secrets.token_urlsafe(18)

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        config = self.dir / "redis.conf"  # the password in a 0600 file, not on a command line `ps` shows
        config.write_text(f"requirepass {self.password}\n")
        config.chmod(0o600)
        args = [self.binary, str(config), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")]  # fmt: skip
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.process, "redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)
