"""A Redis server of the tests' own (Debian's redis-server), on a free loopback port, nothing saved to disk: for
the rooms shared by several replicas. Missing, it skips the test, but fails it in CI (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser_support import free_port


def redis_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None)
    if found is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("redis-server is not installed (apt-get install redis-server)")
    return found


class RedisServer:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process = None

    def start(self, timeout: float = 30.0) -> RedisServer:
        import redis

        self.process = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.RedisError:  # not listening yet: asked again (bounded by the deadline)
                time.sleep(0.05)
        raise TimeoutError(f"redis-server did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
