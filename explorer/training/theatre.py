"""The training theatre: kinds trained side by side in a worker process, a frame of each per epoch.

A run is a folder, ``<zoo>/.theatre/<run id>/``. The worker (``python -m explorer.theatre run``,
explorer/commands/theatre.py) is the only writer; any page reads it:

- ``request.json``: what to train (a :class:`TheatreRequest`);
- ``status.json``: where the run stands (:class:`Status`: state, epoch, the worker's pid, a message);
- ``probe.npz``: the probe, fixed test images (and labels) every frame draws;
- ``<kind>/NNNN.npz``: frame NNNN of that kind (0000: before training): the probe's codes in the plane,
  reconstructions and samples;
- ``<kind>/history.json``: the loss terms per epoch;
- ``<kind>/resume.safetensors`` and ``resume.json``: what continuing a stopped run needs (weights,
  optimiser, schedule, random state), written after every epoch;
- ``stop``: asks the worker to stop once the epoch it is in has ended.

Training is :func:`explorer.training.train.train_epochs`, the training command's own loop, one epoch at a
time for each kind in turn, so the kinds' frames come in step. A finished run saves each kind as a checkpoint
of the zoo's dataset ``<dataset>-theatre`` (the test split copied beside it): every page can open it.
A run that diverges stops, says so, and saves nothing. No Streamlit here.

Where the training images come from (``TheatreRequest.source``, settled when the run starts): the dataset's
training split where it is on this machine (``"train"``); else what ships with the app, its test split less the
probe's images, which the frames draw and the saved models' test figures are measured on (``"test"``). A
newcomer's first run trains on a machine with no dataset installed, and says so.

A worker started by a server ends with it (``--parent``): it stops as a resumable run, said so, and the next
server shows it stopped; ``python -m explorer.theatre start`` without ``--wait`` leaves its worker running.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from explorer import processes
from explorer.errors import DatasetUnavailable, TheatreRefused, TrainingDiverged, WorkerEnded
from explorer.models.kinds import IMAGE_KINDS, KINDS

RUNS_FOLDER = ".theatre"  # inside the zoo: a dot folder, never taken for a dataset
RUNS_ENV = "EXPLORER_THEATRE_RUNS"  # how many runs may train at once on this server (default 1)
MAX_IMAGES_ENV = "EXPLORER_THEATRE_MAX_IMAGES"  # the largest training subset this machine takes (default 60,000)
THREADS_ENV = "EXPLORER_THEATRE_THREADS"  # CPU threads a worker trains with (default: torch's, every core)
RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9]{6}$")
STATES = ("starting", "running", "stopped", "done", "diverged", "failed")
SOURCES = ("train", "test")  # the training split; the shipped test split less the probe
ACTIVE = ("starting", "running")
MAX_KINDS = 3
MAX_EPOCHS = 200
MAX_LATENT = 64
LATENTS = (2, 4, 8, 16, 32, 64)
PROBE_IMAGES = 1000  # the points of each frame's map
SHOWN_IMAGES = 8  # reconstructions and samples per frame
DATASET_SUFFIX = "-theatre"


@dataclass(frozen=True)
class TheatreRequest:
    """What a run trains: ``kinds`` side by side, each on the same ``subset`` of ``dataset``'s training split."""

    dataset: str
    kinds: tuple[str, ...]
    latent_dim: int = 2
    epochs: int = 10
    subset: int = 5000
    batch_size: int = 128
    lr: float = 3e-3
    seed: int = 0
    source: str = ""  # "train" or "test" (SOURCES); "" until start_run settles it

    def __post_init__(self):
        object.__setattr__(self, "kinds", tuple(self.kinds))

    def checked(self) -> TheatreRequest:
        """This request, or a TheatreRefused naming the first value the theatre cannot take."""
        if not self.kinds or len(self.kinds) > MAX_KINDS or len(set(self.kinds)) != len(self.kinds):
            raise TheatreRefused(f"pick 1 to {MAX_KINDS} different kinds", key="theatre.bad_kinds", most=MAX_KINDS)
        unknown = [k for k in self.kinds if k not in IMAGE_KINDS]  # the theatre trains image autoencoders
        if unknown:
            raise TheatreRefused(f"unknown kind {unknown[0][:20]!r}", key="theatre.unknown_kind", kind=unknown[0][:20])
        for name, value, lo, hi in (("latent_dim", self.latent_dim, 1, MAX_LATENT), ("epochs", self.epochs, 1, MAX_EPOCHS),
                                    ("batch_size", self.batch_size, 2, 4096), ("seed", self.seed, 0, 2**31 - 1)):
            if type(value) is not int or not lo <= value <= hi:
                raise TheatreRefused(f"{name} must be a whole number from {lo} to {hi}", key="theatre.bad_number",
                                     name=name, lo=lo, hi=hi)
        if type(self.subset) is not int or self.subset < 2 * SHOWN_IMAGES:
            raise TheatreRefused("the subset is too small", key="theatre.subset_small", least=2 * SHOWN_IMAGES)
        if self.subset > max_images():
            raise TheatreRefused(f"{self.subset} images are more than this machine trains on in the theatre",
                                 key="theatre.subset_large", n=self.subset, most=max_images())
        if not isinstance(self.lr, (int, float)) or not 0 < self.lr <= 1:
            raise TheatreRefused("the learning rate must be in (0, 1]", key="theatre.bad_lr")
        if self.source not in ("", *SOURCES):
            raise TheatreRefused("the run's request cannot be read", key="theatre.bad_request")
        return self

    @classmethod
    def from_json(cls, data: dict) -> TheatreRequest:
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data}).checked()
        except TypeError:
            raise TheatreRefused("the run's request cannot be read", key="theatre.bad_request") from None


@dataclass(frozen=True)
class Status:
    """Where a run stands. ``message`` is a catalogue key and its fields, said in the reader's language."""

    state: str
    epoch: int = 0  # the last epoch every kind has finished
    epochs: int = 0
    pid: int = 0
    message: tuple = ()
    saved: dict = field(default_factory=dict)  # kind → the saved checkpoint's "<dataset>/<name>"
    updated: float = 0.0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


@dataclass(frozen=True)
class Frame:
    epoch: int
    points: np.ndarray  # the probe's codes in the plane, float32 N×2
    recon: np.ndarray  # uint8 pictures of the first probe images' reconstructions
    samples: np.ndarray  # uint8 pictures decoded from the sampler's fixed codes
    sampler: str  # "prior": N(0, I); "fitted": a Gaussian fitted to the probe's codes (kinds without a prior)


def max_images() -> int:
    try:
        return max(2 * SHOWN_IMAGES, int(os.environ.get(MAX_IMAGES_ENV, "60000")))
    except ValueError:
        return 60000


def max_runs() -> int:
    try:
        return max(1, int(os.environ.get(RUNS_ENV, "1")))
    except ValueError:
        return 1


def theatre_dataset(dataset: str) -> str:
    """The zoo dataset a run on ``dataset`` saves its models in."""
    if dataset.endswith(DATASET_SUFFIX):
        return dataset
    return dataset[: 40 - len(DATASET_SUFFIX)] + DATASET_SUFFIX


# --- the folders --------------------------------------------------------------------------------


def runs_root(zoo: Path) -> Path:
    return Path(zoo) / RUNS_FOLDER


def run_folder(zoo: Path, run_id: str) -> Path | None:
    """The folder of run ``run_id`` (a value from a URL or a room: checked, never used as given), or None."""
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        return None
    folder = runs_root(zoo) / run_id
    return folder if (folder / "request.json").is_file() else None


def list_runs(zoo: Path) -> list[str]:
    """The runs of this zoo, newest first."""
    root = runs_root(zoo)
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if RUN_ID.match(p.name) and (p / "request.json").is_file()),
                  reverse=True)


def read_request(run: Path) -> TheatreRequest:
    try:
        return TheatreRequest.from_json(json.loads((run / "request.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):
        raise TheatreRefused("the run's request cannot be read", key="theatre.bad_request") from None


def read_status(run: Path) -> Status:
    """The run's status; a run whose worker is gone without saying so is 'stopped' (it can be resumed)."""
    try:
        data = json.loads((run / "status.json").read_text(encoding="utf-8"))
        status = Status(state=str(data["state"]), epoch=int(data.get("epoch", 0)), epochs=int(data.get("epochs", 0)),
                        pid=int(data.get("pid", 0)), message=_message(data.get("message", ())),
                        saved=dict(data.get("saved", {})), updated=float(data.get("updated", 0.0)))
    except (OSError, ValueError, KeyError, TypeError):
        return Status("failed", message=("theatre.bad_status",))
    if status.state not in STATES:
        return Status("failed", message=("theatre.bad_status",))
    if status.active and not _alive(status.pid):
        return Status("stopped", status.epoch, status.epochs, message=("theatre.interrupted",), updated=status.updated)
    return status


def _message(stored) -> tuple:
    """(catalogue key, (field, value), …) as written to status.json (lists there)."""
    if not stored:
        return ()
    key, *fields = stored
    return (str(key), *((str(name), value) for name, value in fields))


def write_status(run: Path, status: Status) -> None:
    _write_json(run / "status.json", {**asdict(status), "message": list(status.message), "updated": time.time()})


def frame_epochs(run: Path, kind: str) -> list[int]:
    folder = run / kind
    if kind not in KINDS or not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("[0-9][0-9][0-9][0-9].npz"))


def read_frame(run: Path, kind: str, epoch: int) -> Frame:
    from explorer.store.npz import read_npz

    arrays = read_npz(run / kind / f"{int(epoch):04d}.npz", ("points", "recon", "samples", "sampler"), TheatreRefused)
    return Frame(int(epoch), arrays["points"].astype(np.float32), arrays["recon"], arrays["samples"],
                 str(arrays["sampler"]))


def read_history(run: Path, kind: str) -> list[dict]:
    try:
        history = json.loads((run / kind / "history.json").read_text(encoding="utf-8"))
        return [h for h in history if isinstance(h, dict)] if isinstance(history, list) else []
    except (OSError, ValueError):
        return []


def read_probe(run: Path) -> tuple[np.ndarray, np.ndarray]:
    from explorer.store.npz import read_npz

    arrays = read_npz(run / "probe.npz", ("images", "labels"), TheatreRefused)
    return arrays["images"], arrays["labels"]


def _write_json(path: Path, data) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_text(json.dumps(data), encoding="utf-8")
    part.replace(path)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a theatre worker still running (not one that ended, nor a process that took its pid)."""
    return processes.alive(pid, b"explorer.theatre")


# --- starting, stopping, resuming ------------------------------------------------------------------


@contextlib.contextmanager
def _locked(root: Path):
    """One starter at a time per zoo: two sessions pressing Start at once must not both pass the limit."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def active_runs(zoo: Path) -> list[str]:
    return [r for r in list_runs(zoo) if read_status(runs_root(zoo) / r).active]


def training_source(dataset: str) -> str:
    """Where a run on ``dataset`` takes its training images from on this machine (SOURCES): its training split
    where that is here, else the shipped test split less the probe. A look at files: the page asks it as it draws."""
    from explorer.data.datasets import DATASETS, has_training_split

    if dataset in DATASETS:
        return "train" if has_training_split(dataset) else "test"
    from explorer.data.userdata import training_data_path

    path = training_data_path(dataset)
    return "train" if path is not None and path.exists() else "test"


def test_source_size(dataset: str) -> int:
    """How many images a run on the shipped test split trains on at most: the split less the probe."""
    from explorer.data.datasets import load_shipped_arrays

    return max(0, len(load_shipped_arrays(dataset)[0]) - PROBE_IMAGES)


def start_run(zoo: Path, request: TheatreRequest, parent: int | None = None) -> str:
    """Make the run's folder and start its worker; returns the run's id. TheatreRefused (or DatasetUnavailable)
    before any worker starts if the request cannot be trained here or this server already trains as many runs as
    it may. ``parent``: the worker ends when that process does (the app's server); None: it runs on alone."""
    request = request.checked()
    from explorer.data.datasets import pretrained_dir

    if Path(zoo).resolve() == pretrained_dir().resolve():
        raise TheatreRefused("the theatre never writes into the shipped zoo", key="theatre.shipped_zoo")
    request = replace(request, source=request.source or training_source(request.dataset))
    if request.source == "test" and request.subset > (have := test_source_size(request.dataset)):
        raise TheatreRefused(f"without its training split, {have} test images are left to train on",
                             key="theatre.subset_over_test", n=request.subset, have=have, probe=PROBE_IMAGES)
    root = runs_root(zoo)
    with _locked(root):
        if len(active_runs(zoo)) >= max_runs():
            raise TheatreRefused("the theatre is busy", key="theatre.busy", most=max_runs())
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        run = root / run_id
        run.mkdir()
        (root / BUSY_FILE).touch()
        _write_json(run / "request.json", asdict(request))
        write_status(run, Status("starting", epochs=request.epochs, pid=_spawn(zoo, run, parent)))
    return run_id


def resume_run(zoo: Path, run_id: str, parent: int | None = None) -> None:
    """Start a stopped run's worker again, from its last finished epoch (``parent`` as for :func:`start_run`)."""
    run = run_folder(zoo, run_id)
    if run is None:
        raise TheatreRefused("no such run", key="theatre.no_run")
    with _locked(runs_root(zoo)):
        status = read_status(run)
        if status.state != "stopped":
            raise TheatreRefused("only a stopped run can be resumed", key="theatre.not_stopped")
        if len(active_runs(zoo)) >= max_runs():
            raise TheatreRefused("the theatre is busy", key="theatre.busy", most=max_runs())
        (run / "stop").unlink(missing_ok=True)
        write_status(run, Status("starting", status.epoch, status.epochs, pid=_spawn(zoo, run, parent)))


def stop_run(zoo: Path, run_id: str) -> None:
    """Ask the run's worker to stop once its epoch ends (it writes what resuming needs first)."""
    run = run_folder(zoo, run_id)
    if run is not None and read_status(run).active:
        (run / "stop").touch()


def _spawn(zoo: Path, run: Path, parent: int | None) -> int:
    """The worker (explorer.processes: a process of its own, at a lower priority, ended with ``parent``)."""
    return processes.spawn("explorer.theatre", ["run", str(run), "--zoo", str(zoo)], run / "worker.log", parent)


def end_worker(status: Status) -> None:
    """Stop a worker at once (a test's teardown, a server shutting down); the run can be resumed."""
    if status.active and _alive(status.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(status.pid, signal.SIGTERM)


# --- the worker -------------------------------------------------------------------------------------


def training_images(dataset: str, subset: int, seed: int, source: str = "train"):
    """``subset`` images (a seeded choice), uint8 tensors, of ``dataset``'s training split, or (``source``
    "test") of its shipped test split less the probe's images."""
    import torch

    from explorer.data.datasets import DATASETS, load_shipped_arrays, load_split

    if source == "test":
        images = torch.from_numpy(load_shipped_arrays(dataset)[0][PROBE_IMAGES:])
    elif dataset in DATASETS:
        images, _ = load_split(dataset, "train", download=False)
    else:
        from explorer.data.userdata import training_split_of

        images = torch.from_numpy(training_split_of(dataset).images)
    if subset > len(images):
        raise TheatreRefused(f"the training split has {len(images)} images", key="theatre.subset_over",
                             n=subset, have=len(images))
    rows = np.sort(np.random.default_rng(seed).permutation(len(images))[:subset])
    return images[torch.from_numpy(rows)]


def probe_images(dataset: str, n: int = PROBE_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` images of the dataset's test split: what every frame draws."""
    from explorer.data.datasets import load_shipped_arrays

    images, labels = load_shipped_arrays(dataset)
    return images[:n], labels[:n].astype(np.int64)


def plane(codes: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """A d×2 projection of the codes into the plane (the identity for d = 2). Above 2, the codes' two principal
    axes, turned and mirrored to follow the previous frame's (an orthogonal Procrustes fit), so that the map
    does not jump from frame to frame as PCA's signs and order would make it; the projection is orthonormal,
    so distances from the prior's centre keep their scale."""
    d = codes.shape[1]
    if d == 1:
        return np.array([[1.0, 0.0]])
    if d == 2:
        return np.eye(2)
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:2].T  # d×2
    if previous is not None and previous.shape == basis.shape:
        u, _, wt = np.linalg.svd(basis.T @ previous)  # the rotation that brings this basis closest to the last
        basis = basis @ (u @ wt)
    return basis


def draw_frame(model, probe, sample_codes, previous_basis, kind: str):
    """The frame of ``model`` now: (points, reconstructions, samples, the projection used)."""
    import torch

    from explorer.analysis.latent import decode, encode
    from explorer.data.datasets import to_float
    from explorer.data.images import to_uint8

    was_training = model.training
    model.eval()
    with torch.no_grad():
        x = to_float(torch.from_numpy(probe))
        codes = encode(model, x).numpy().astype(np.float64)
        basis = plane(codes, previous_basis)
        recon = decode(model, torch.from_numpy(codes[:SHOWN_IMAGES]).float())
        z = sample_codes
        if not KINDS[kind].prior_generative:  # no prior to sample: a Gaussian fitted to the codes stands in
            mean, cov = codes.mean(axis=0), np.cov(codes, rowvar=False) + 1e-6 * np.eye(codes.shape[1])
            z = torch.from_numpy(mean + sample_codes.numpy() @ np.linalg.cholesky(cov).T).float()
        samples = decode(model, z)
    model.train(was_training)
    points = codes @ basis if codes.shape[1] != 1 else np.c_[codes, np.zeros(len(codes))]
    return points.astype(np.float32), to_uint8(recon), to_uint8(samples), basis


def save_frame(run: Path, kind: str, epoch: int, points, recon, samples, basis) -> None:
    folder = run / kind
    folder.mkdir(exist_ok=True)
    part = folder / f".{epoch:04d}.npz.part"
    with open(part, "wb") as f:
        np.savez(f, points=points.astype(np.float16), recon=recon, samples=samples, basis=basis.astype(np.float32),
                 sampler=np.array("prior" if KINDS[kind].prior_generative else "fitted"))
    part.replace(folder / f"{epoch:04d}.npz")


def save_resume(run: Path, kind: str, epoch) -> None:
    """What continuing after ``epoch`` needs: tensors in safetensors, the rest in JSON; never a pickle."""
    import torch
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in epoch.model.state_dict().items()}
    optimiser = epoch.optimiser.state_dict()
    for index, values in optimiser["state"].items():
        for name, value in values.items():
            tensors[f"optimiser.{index}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
    tensors["rng"] = torch.get_rng_state()
    folder = run / kind
    part = folder / ".resume.safetensors.part"
    save_file(tensors, str(part))
    part.replace(folder / "resume.safetensors")
    _write_json(folder / "resume.json", {"epoch": epoch.number, "param_groups": optimiser["param_groups"],
                                          "scheduler": epoch.scheduler.state_dict() if epoch.scheduler else None})


def load_resume(run: Path, kind: str) -> dict | None:
    """What :func:`save_resume` wrote, as ``train_epochs(resume=…)`` takes it; None if nothing (usable) was."""
    from safetensors.torch import load_file

    folder = run / kind
    try:
        meta = json.loads((folder / "resume.json").read_text(encoding="utf-8"))
        tensors = load_file(str(folder / "resume.safetensors"))
    except (OSError, ValueError, RuntimeError):
        return None
    model = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optimiser."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    return {"epoch": int(meta["epoch"]), "model": model, "rng": tensors.get("rng"), "scheduler": meta.get("scheduler"),
            "optimiser": {"state": state, "param_groups": meta["param_groups"]}}


ENDED_EXIT = 3  # the worker's exit status when it was ended before its run finished (resumable)
_ending = {"key": None, "held": False}  # why the worker is to end; held while the round's resume state is written


def _on_terminate(signum, frame) -> None:
    _ending["key"] = _ending["key"] or "theatre.ended"
    if not _ending["held"]:
        raise WorkerEnded("the worker was told to end", key=_ending["key"])


@contextlib.contextmanager
def _written_whole():
    """What must be written whole before the worker may end (every kind's resume state after a round)."""
    _ending["held"] = True
    try:
        yield
    finally:
        _ending["held"] = False
    if _ending["key"]:
        raise WorkerEnded("the worker was told to end", key=_ending["key"])


def end_with(parent: int | None):
    """SIGTERM ends this worker as a resumable run; so does the end of ``parent``, the server that started it.
    Returns the SIGTERM handler it replaced (run_worker puts it back: a test runs the worker in its own process)."""
    _ending.update(key=None, held=False)
    previous = signal.signal(signal.SIGTERM, _on_terminate)
    processes.end_with_parent(parent, on_gone=lambda: _ending.update(key="theatre.server_ended"))
    return previous


def run_worker(run: Path, zoo: Path, parent: int | None = None) -> int:
    """Train the run's request, a frame of each kind per epoch; the exit status says how it ended. What goes
    wrong unforeseen is said as its type in the status (a visitor never sees a server's path) and in full in
    the run's worker.log. ``parent``: the server that started it, with which it ends (:func:`end_with`)."""
    from explorer.data.datasets import ZOO_ENV

    processes.yield_to_the_server()
    previous = end_with(parent)
    zoos = [str(zoo), *(p for p in os.environ.get(ZOO_ENV, "").split(os.pathsep) if p and p != str(zoo))]
    os.environ[ZOO_ENV] = os.pathsep.join(zoos)  # the theatre's dataset is read back from its zoo
    try:
        try:
            return _train(run, Path(zoo))
        finally:
            signal.signal(signal.SIGTERM, previous)
    except WorkerEnded as ended:  # stopped as a resumable run, from its last finished epoch
        status = read_status(run)
        write_status(run, Status("stopped", status.epoch, status.epochs, message=(ended.key, ("epoch", status.epoch))))
        return ENDED_EXIT
    except Exception as err:
        status = read_status(run)
        write_status(run, Status("failed", status.epoch, status.epochs,
                                 message=("theatre.worker_failed", ("error", type(err).__name__))))
        raise


def _train(run: Path, zoo: Path) -> int:
    import torch

    threads = os.environ.get(THREADS_ENV, "")
    if threads.isdigit() and int(threads) > 0:  # leave cores to the server's sessions (docs/theatre.md: the cost)
        torch.set_num_threads(int(threads))

    request = read_request(run)
    status = read_status(run)
    epochs_done = status.epoch if status.state in ("starting", "stopped") else 0
    write_status(run, Status("running", epochs_done, request.epochs, os.getpid()))
    try:
        images = training_images(request.dataset, request.subset, request.seed, request.source or "train")
        if not (run / "probe.npz").is_file():
            probe, labels = probe_images(request.dataset)
            with open(run / ".probe.npz.part", "wb") as f:
                np.savez(f, images=probe, labels=labels)
            (run / ".probe.npz.part").replace(run / "probe.npz")
        probe, _ = read_probe(run)
    except (TheatreRefused, DatasetUnavailable) as err:
        write_status(run, Status("failed", epochs_done, request.epochs, message=(err.key, *_fields(err))))
        return 2
    shape = images.shape[1:]
    configs = {kind: _config(request, kind, shape) for kind in request.kinds}
    sample_codes = torch.randn(SHOWN_IMAGES, request.latent_dim, generator=torch.Generator().manual_seed(request.seed))
    trainers, bases = {}, {}
    for kind in request.kinds:
        resume = load_resume(run, kind) if epochs_done else None
        history = read_history(run, kind)[: resume["epoch"]] if resume else []
        if resume is None:  # from the start: frame 0 is the untrained model, with the same weights training starts from
            from explorer.models.nets import build_model

            torch.manual_seed(request.seed)
            points, recon, samples, bases[kind] = draw_frame(build_model(configs[kind]), probe, sample_codes, None, kind)
            save_frame(run, kind, 0, points, recon, samples, bases[kind])
            _write_json(run / kind / "history.json", history)
        else:
            bases[kind] = _last_basis(run, kind)
        trainers[kind] = (_epochs(request, configs[kind], images, resume, lambda: wait_for_pages(zoo)), history)
    done, models = epochs_done, {}
    try:
        for epoch_number in range(done + 1, request.epochs + 1):
            finished = {}
            for kind, (epochs, history) in trainers.items():
                epoch = next(epochs)
                points, recon, samples, bases[kind] = draw_frame(epoch.model, probe, sample_codes, bases[kind], kind)
                finished[kind] = (epoch, points, recon, samples)
            with _written_whole():  # every kind's epoch, or none: a run ended now resumes with its kinds in step
                for kind, (epoch, points, recon, samples) in finished.items():
                    history = trainers[kind][1]
                    history.append(epoch.record)
                    save_frame(run, kind, epoch.number, points, recon, samples, bases[kind])
                    _write_json(run / kind / "history.json", history)
                    save_resume(run, kind, epoch)
                    models[kind] = epoch.model
                done = epoch_number
                write_status(run, Status("running", done, request.epochs, os.getpid()))
            if (run / "stop").is_file() and done < request.epochs:
                (run / "stop").unlink(missing_ok=True)
                write_status(run, Status("stopped", done, request.epochs, message=("theatre.stopped_at", ("epoch", done))))
                return 0
        if not models:  # resumed after the last epoch: the weights it finished with
            models = {kind: _resumed_model(run, configs[kind], kind) for kind in request.kinds}
    except TrainingDiverged as err:
        write_status(run, Status("diverged", done, request.epochs, message=(err.key, *_fields(err))))
        return 1
    write_status(run, Status("running", done, request.epochs, os.getpid(), message=("theatre.saving",)))
    saved = save_models(run, zoo, request, models)
    write_status(run, Status("done", done, request.epochs, saved=saved))
    for kind in request.kinds:  # a finished run is not resumed: its state (megabytes a kind) goes, its frames stay
        for name in ("resume.safetensors", "resume.json"):
            (run / kind / name).unlink(missing_ok=True)
    return 0


def _resumed_model(run: Path, config, kind: str):
    from explorer.models.nets import build_model

    model = build_model(config)
    model.load_state_dict(load_resume(run, kind)["model"])
    return model


def _fields(err) -> tuple:
    return tuple((k, v) for k, v in err.fields.items() if isinstance(v, (str, int, float)))


def _config(request: TheatreRequest, kind: str, shape):
    from explorer.models.nets import ModelConfig

    channels = 3 if len(shape) == 3 else 1
    return ModelConfig(kind=kind, dataset=theatre_dataset(request.dataset), latent_dim=request.latent_dim,
                       image_channels=channels, image_size=int(shape[0]))


def _epochs(request: TheatreRequest, config, images, resume, between_steps=None):
    from explorer.training.train import train_epochs

    return train_epochs(config, images, request.epochs, request.batch_size, request.lr, request.seed, "cpu",
                        progress=False, resume=resume, between_steps=between_steps)


BUSY_FILE = ".pages-running"  # touched by the app at the start of each page's run (explorer_app.pages_after_imports)
BUSY_S = 0.4  # how long after a page's run started the worker leaves the CPUs to it
MAX_WAIT_S = 2.0  # and never longer at a time: a room that clicks without pause still sees its run train


def mark_pages_running(zoo: Path) -> None:
    """Say that a page's run has started (the app, at each run): a worker training now waits a moment."""
    with contextlib.suppress(OSError):
        os.utime(runs_root(zoo) / BUSY_FILE)


def wait_for_pages(zoo: Path, clock=time.monotonic, sleep=time.sleep) -> float:
    """Between two training steps: while a page of the server started running less than BUSY_S ago, wait (at
    most MAX_WAIT_S). Lower priority alone left another session's page switches 1.4× slower at p95 on two
    CPUs (docs/theatre.md): the cores' caches and memory are shared, not only their time. Returns the wait."""
    busy = runs_root(zoo) / BUSY_FILE
    started = clock()
    while clock() - started < MAX_WAIT_S:
        try:
            if time.time() - busy.stat().st_mtime >= BUSY_S:
                break
        except OSError:
            break
        sleep(0.02)
    return clock() - started


def _last_basis(run: Path, kind: str) -> np.ndarray | None:
    epochs = frame_epochs(run, kind)
    if not epochs:
        return None
    from explorer.store.npz import read_npz

    return read_npz(run / kind / f"{epochs[-1]:04d}.npz", ("basis",), TheatreRefused)["basis"].astype(np.float64)


def save_models(run: Path, zoo: Path, request: TheatreRequest, models: dict) -> dict:
    """Each trained kind as a checkpoint of the theatre's dataset in ``zoo``, with its test figures (and a latent-2
    model its map: its codes);
    returns kind → "<dataset>/<name>". The theatre's dataset is its own: a checkpoint the user trained elsewhere
    is never replaced (only an earlier theatre run's). Not views.npz (20 s and more on a CPU): the pages compute
    what they need on a first visit, as for any zoo without it, and ``python -m explorer.zoo precompute`` stores it."""
    import torch

    from explorer.analysis.project import MAP_FILE, latent_plane_map, save_map
    from explorer.data.datasets import load_shipped_arrays
    from explorer.metrics.evaluate import evaluate_model
    from explorer.store.checkpoint import round_to_storage, save_pretrained

    name = theatre_dataset(request.dataset)
    folder = Path(zoo) / name
    copy_test_split(request.dataset, folder)
    test_images, _ = load_shipped_arrays(request.dataset)
    # trained on the test split less the probe: its figures are measured on the probe, which it never saw
    measured = test_images[:PROBE_IMAGES] if request.source == "test" else test_images
    saved = {}
    for kind, model in models.items():
        model = round_to_storage(model.eval())
        target = folder / model.config.name
        history = read_history(run, kind)
        test = evaluate_model(model, torch.from_numpy(measured))
        training = {"epochs": request.epochs, "batch_size": request.batch_size, "lr": request.lr,
                    "schedule": "onecycle", "seed": request.seed, "optimiser": "Adam", "train_images": request.subset,
                    "train_limit": request.subset, "device": "cpu", "processes": 1, "theatre_run": run.name,
                    "source_dataset": request.dataset, "train_source": request.source or "train",
                    "held_out": PROBE_IMAGES if request.source == "test" else 0}
        save_pretrained(model.cpu(), target, metrics={"test": test, "history": history}, training=training)
        from explorer.analysis.latent import encode

        if model.config.latent_dim == 2:  # the codes are the map; a larger code's UMAP map comes from the pages'
            z = encode(model, torch.from_numpy(test_images)).numpy()  # background job (explorer.store.map_job)
            save_map(target / MAP_FILE, latent_plane_map(z))
        saved[kind] = f"{name}/{model.config.name}"
    return saved


def copy_test_split(dataset: str, folder: Path) -> None:
    """The source dataset's test split, as the theatre dataset's own (titled so), unless it is there."""
    from explorer.data.datasets import shipped_test_path
    from explorer.present.i18n import dataset_title

    out = folder / "test.npz"
    if out.is_file():
        return
    folder.mkdir(parents=True, exist_ok=True)
    from explorer.store.npz import read_npz

    arrays = read_npz(shipped_test_path(dataset), ("images", "labels"), DatasetUnavailable,
                      optional=("class_names", "source", "licence"))
    arrays["title"] = np.array(f"{dataset_title(dataset)} · theatre")
    part = folder / ".test.npz.part"
    with open(part, "wb") as f:
        np.savez_compressed(f, **arrays)
    part.replace(out)


def remove_run(zoo: Path, run_id: str) -> None:
    """Delete a run that is not training (its frames; a checkpoint it saved stays in the zoo)."""
    run = run_folder(zoo, run_id)
    if run is not None and not read_status(run).active:
        shutil.rmtree(run, ignore_errors=True)
