"""A large room: several `streamlit run app.py` replicas behind nginx, on this machine.

    python deploy/room.py --replicas 4 --port 8080          # until Ctrl-C; then everything stops
    python deploy/room.py --replicas 4 --port 8080 --host 0.0.0.0   # reachable from the room's network

Each replica is a Streamlit server on its own loopback port, all with the same
``server.cookieSecret`` (generated for the room, never written to disk) and XSRF protection on.
nginx (Debian's ``nginx`` package) listens on ``--host:--port`` and keeps each browser on one
replica by a cookie (deploy/nginx.conf.template says why not ``ip_hash``). Its configuration,
pid and logs go to a temporary folder, removed when the room stops.

The rooms (a presenter's tour, its audience) span the replicas: a Redis server of the room's own (Debian's
``redis-server``, on a free loopback port, nothing saved) holds them and tells each replica of each move
(``EXPLORER_ROOMS_REDIS``; explorer/present/shared_rooms.py), so that the audience of any replica follows a
presenter on another. ``--redis URL`` names one of yours instead; ``--no-shared-rooms`` keeps each room on its
replica.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class Room:
    """N replicas and the proxy in front of them; ``stop()`` ends them all."""

    def __init__(self, replicas: int, port: int | None = None, host: str = "127.0.0.1", nginx: str | None = None,
                 env: dict | None = None, log_dir: Path | None = None, shared_rooms: bool = True,
                 redis_url: str | None = None):
        self.nginx = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(self.nginx).is_file():
            raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx)")
        self.host, self.port = host, port or free_port()
        self.run = Path(tempfile.mkdtemp(prefix="explorer-room-"))
        self.log_dir = Path(log_dir) if log_dir else self.run
        self.secret = secrets.token_hex(32)  # the same on every replica; never written to disk
        self.ports = [free_port() for _ in range(replicas)]
        self.replicas: list[subprocess.Popen | None] = []
        self.proxy: subprocess.Popen | None = None
        self.env = {**os.environ, **(env or {})}
        self.redis: subprocess.Popen | None = None
        self.redis_url = redis_url
        if shared_rooms and redis_url is None:
            self.redis_binary = shutil.which("redis-server") or "/usr/bin/redis-server"
            if not Path(self.redis_binary).is_file():
                raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server); "
                                        "or run with --no-shared-rooms")
            self.redis_port = free_port()
            self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def url(self) -> str:
        return f"http://{'127.0.0.1' if self.host in ('0.0.0.0', '') else self.host}:{self.port}"

    def replica_url(self, k: int) -> str:
        return f"http://127.0.0.1:{self.ports[k]}"

    def start_redis(self) -> None:
        """The room's own Redis (again, after :meth:`stop_redis`): loopback only, nothing written to disk."""
        self.redis = subprocess.Popen(
            [self.redis_binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", str(self.run)], stdout=subprocess.DEVNULL, stderr=open(self.log_dir / "redis.log", "a"))  # noqa: SIM115

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(10)

    def start(self, timeout: float = 90.0) -> Room:
        if self.redis_url and getattr(self, "redis_port", None):
            self.start_redis()
        shared = {"EXPLORER_ROOMS_REDIS": self.redis_url} if self.redis_url else {}
        for k, port in enumerate(self.ports):
            log = open(self.log_dir / f"replica-{k}.log", "w")  # noqa: SIM115  (the replica writes it while it runs)
            self.replicas.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false", "--server.enableXsrfProtection", "true"],
                # Streamlit takes the secret from the environment only (never a command line that `ps` shows)
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**self.env, **shared, "STREAMLIT_SERVER_COOKIE_SECRET": self.secret}))
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run / name).mkdir()
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.ports)
        config = (TEMPLATE.read_text().replace("{run}", str(self.run)).replace("{servers}", servers)
                  .replace("{host}", self.host).replace("{port}", str(self.port)))
        (self.run / "nginx.conf").write_text(config)
        self.proxy = subprocess.Popen([self.nginx, "-p", str(self.run), "-c", str(self.run / "nginx.conf")],
                                      stdout=subprocess.DEVNULL, stderr=open(self.log_dir / "nginx.log", "w"))  # noqa: SIM115
        deadline = time.monotonic() + timeout
        waiting = [f"{self.replica_url(k)}/_stcore/health" for k in range(len(self.ports))] + [
            f"{self.url}/_stcore/health"]
        while waiting and time.monotonic() < deadline:  # each replica, then the proxy, answers its health check
            if any(p is not None and p.poll() is not None for p in [*self.replicas, self.proxy]):
                self.stop()
                raise RuntimeError(f"a replica or nginx exited at start; see the logs in {self.log_dir}")
            if answers(waiting[0]):
                waiting.pop(0)
            else:
                time.sleep(0.2)  # not listening yet: poll again, bounded by the deadline
        if waiting:
            self.stop()
            raise TimeoutError(f"{waiting[0]} did not answer within {timeout:.0f} s")
        return self

    def kill_replica(self, k: int) -> None:
        """End one replica at once, as a crash would (its sessions reconnect to another)."""
        process = self.replicas[k]
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def stop(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                self.proxy.wait(10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
        for process in self.replicas:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in self.replicas:
            if process is not None:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stop_redis()
        shutil.rmtree(self.run, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--redis", help="a Redis (or Valkey) of yours for the rooms, instead of the room's own")
    parser.add_argument("--no-shared-rooms", action="store_true", help="each room on its replica only")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be between 1 and 64")
    room = Room(args.replicas, args.port, args.host, log_dir=Path.cwd(), shared_rooms=not args.no_shared_rooms,
                redis_url=args.redis)
    try:
        room.start()
        print(f"{args.replicas} replicas behind nginx: open {room.url} (Ctrl-C stops the room)", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        room.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
