"""The server's background processes: a training-theatre run (explorer.training.theatre) and a model's UMAP map
(explorer.store.map_job). Each is a process of its own, not a thread of the server (its work never holds the
server's GIL), runs on the CPU the server's sessions leave, and ends with the server that started it: no
orphan trains on after a Ctrl+C. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # where ``python -m explorer.…`` finds the package
PARENT_FLAG = "--parent"  # the command-line option a worker takes its server's pid with


def spawn(module: str, args: list[str], log: Path, parent: int | None) -> int:
    """Start ``python -m <module> <args>`` in a session of its own, its output in ``log``; returns its pid.
    ``parent``: the process it ends with (passed as ``--parent``; the worker calls :func:`end_with_parent`)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    tied = [PARENT_FLAG, str(parent)] if parent else []
    out = open(log, "ab")  # noqa: SIM115  (the child holds it; closed here once handed over)
    try:
        process = subprocess.Popen([sys.executable, "-m", module, *args, *tied], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                   cwd=str(PACKAGE_ROOT))
    finally:
        out.close()
    return process.pid


def yield_to_the_server() -> None:
    """The server's sessions first: this process runs on what CPU they leave (SCHED_IDLE where Linux has it, else
    the lowest priority), set before torch starts its threads, which inherit it. On an idle machine it runs as
    fast as the same command in a shell (bench/theatre.py)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def end_with_parent(parent: int | None, on_gone=None, every_s: float = 0.5) -> None:
    """When ``parent`` is no longer this process's parent (the server stopped, or was killed), call ``on_gone`` in a
    thread of its own, then raise SIGTERM in this process (handled in its main thread, between two of its steps).
    A thread that looks twice a second; nothing for None."""
    if not parent:
        return

    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        if on_gone is not None:
            on_gone()
        signal.raise_signal(signal.SIGTERM)

    threading.Thread(target=watch, name="end-with-server", daemon=True).start()


def alive(pid: int, marker: bytes) -> bool:
    """Whether ``pid`` is a process still running whose command line holds ``marker`` (not one that ended, nor a
    process that took its pid since)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (not Linux): whether the process exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if cmdline:
        return marker in cmdline
    # No command line: a process that has ended but is not yet reaped, or one still starting (a worker just
    # spawned reads so for a moment: taken for gone, its run was shown interrupted before it began).
    try:
        ended, _ = os.waitpid(pid, os.WNOHANG)  # the server's own child: reaped here once it has ended
        return not ended
    except ChildProcessError:  # started by another process (another replica, the command line)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                return f.read().rpartition(b")")[2].split()[0] != b"Z"
        except (OSError, IndexError):
            return False
