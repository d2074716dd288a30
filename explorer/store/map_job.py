"""A checkpoint's UMAP map, made in the background for a model that has none (a zoo of your own that was not
precomputed, a training-theatre run), while the pages draw its PCA map meanwhile (explorer_app.loaders).

The job is ``python -m explorer.embed FOLDER --map-only`` (explorer.processes: a process of its own, on the CPU
the server's sessions leave, ended with the server), which writes ``map.npz`` whole or not at all. Beside the
checkpoint, dot files that are never taken for the checkpoint's own:

- ``.map-job.json``: ``{"pid", "started"}`` while a job runs (one per checkpoint, however many sessions ask);
- ``.map-job.failed``: why the last job could not make the map, in the catalogue's words (``{"key", "fields"}``);
  no job starts again for the same weights until it is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from explorer import processes
from explorer.analysis.project import MAP_FILE

JOBS_ENV = "EXPLORER_MAP_JOBS"  # "0": no background maps on this server (the pages say how to make one)
JOB_FILE = ".map-job.json"
FAILED_FILE = ".map-job.failed"
LOG_FILE = ".map-job.log"
STARTING_S = 30.0  # a job file without its pid yet: the starter is between making it and spawning the job


@dataclass(frozen=True)
class MapJob:
    """Where a checkpoint's background map stands: "done" (map.npz is there), "running", "failed" (``message``:
    catalogue key and fields), or "none" (no job, none started)."""

    state: str
    message: tuple = field(default=())


def map_job(folder: Path) -> MapJob:
    """The state of ``folder``'s map job: a look at files, cheap enough for every page run."""
    folder = Path(folder)
    if (folder / MAP_FILE).is_file():
        return MapJob("done")
    failed = _failure(folder)
    if failed is not None:
        return failed
    try:
        job = folder / JOB_FILE
        data = json.loads(job.read_text(encoding="utf-8") or "{}")
        pid = int(data.get("pid", 0))
        if processes.alive(pid, b"explorer.embed") or (not pid and time.time() - job.stat().st_mtime < STARTING_S):
            return MapJob("running")
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return MapJob("none")


def start_map_job(folder: Path, parent: int | None) -> MapJob:
    """Start ``folder``'s map job unless its map is there, a job runs or failed for these weights, or the folder
    cannot be written; returns the state after. ``parent``: the server the job ends with."""
    folder = Path(folder)
    state = map_job(folder)
    if state.state != "none" or os.environ.get(JOBS_ENV) == "0":
        return state
    if not os.access(folder, os.W_OK):
        return MapJob("failed", ("map.job_read_only",))
    job = folder / JOB_FILE
    job.unlink(missing_ok=True)  # a job that ended without its map (stopped with its server): started again
    try:
        fd = os.open(job, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # one starter, however many sessions ask
    except FileExistsError:
        return MapJob("running")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("{}")
    pid = processes.spawn("explorer.embed", [str(folder), "--map-only"], folder / LOG_FILE, parent)
    _write_json(job, {"pid": pid, "started": time.time()})
    return MapJob("running")


def record_failure(folder: Path, key: str, **fields) -> None:
    """What the job says when it cannot make the map (the pages say it, and start no job again for these weights)."""
    printable = {k: v for k, v in fields.items() if isinstance(v, (str, int, float))}
    _write_json(Path(folder) / FAILED_FILE, {"key": key, "fields": printable})


def job_ended(folder: Path) -> None:
    with contextlib.suppress(OSError):
        (Path(folder) / JOB_FILE).unlink()


def _failure(folder: Path) -> MapJob | None:
    path = folder / FAILED_FILE
    try:
        if path.stat().st_mtime < (folder / "model.safetensors").stat().st_mtime:
            return None  # written for weights that have been replaced since
        data = json.loads(path.read_text(encoding="utf-8"))
        return MapJob("failed", (str(data["key"]), *((str(k), v) for k, v in dict(data.get("fields", {})).items())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_json(path: Path, data) -> None:
    part = path.with_name(f"{path.name}.part")
    part.write_text(json.dumps(data), encoding="utf-8")
    part.replace(path)
