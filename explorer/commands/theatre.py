"""The training theatre from the command line: start, follow, stop and resume runs the app's theatre page shows.

    python -m explorer.theatre start --dataset fashion-mnist --kinds vae wae --latent-dim 2 --epochs 10 \\
        --subset 5000 [--zoo user-zoo] [--wait]
    python -m explorer.theatre list [--zoo user-zoo]
    python -m explorer.theatre stop RUN | resume RUN [--wait]

``start`` alone leaves the run training after the command returns; with ``--wait`` the run is the command's:
Ctrl+C (or the command's end) stops it as a resumable run. The app's runs end with the server that started them.
The exit status of ``--wait``: 0 when the run finished (or was stopped by ``stop``), 1 when it failed, diverged
or its worker ended without finishing, 130 on Ctrl+C.

A run trains in a worker process of its own (``python -m explorer.theatre run RUN_FOLDER``, started for
you) and writes one frame of each kind per epoch under ``<zoo>/.theatre/RUN`` (explorer.training.theatre);
when it finishes, each kind is saved as ``<zoo>/<dataset>-theatre/<kind>-z<latent>``, which the app opens
with ``streamlit run app.py -- --zoo <zoo>`` (the theatre page's zoo is opened by default).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from explorer.commands.args import ArgumentParser, fail, positive_float, positive_int
from explorer.errors import ExplorerError
from explorer.models.kinds import IMAGE_KINDS
from explorer.training import theatre


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m explorer.theatre", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a run")
    start.add_argument("--dataset", required=True)
    start.add_argument("--kinds", nargs="+", required=True, choices=IMAGE_KINDS)
    start.add_argument("--latent-dim", type=positive_int, default=2)
    start.add_argument("--epochs", type=positive_int, default=10)
    start.add_argument("--subset", type=positive_int, default=5000, help="training images (a seeded choice)")
    start.add_argument("--batch-size", type=positive_int, default=128)
    start.add_argument("--lr", type=positive_float, default=3e-3)
    start.add_argument("--seed", type=int, default=0)
    for name in ("list", "stop", "resume"):
        sub = commands.add_parser(name)
        if name != "list":
            sub.add_argument("run")
        if name == "resume":
            sub.add_argument("--wait", action="store_true", help="wait until the run ends")
    start.add_argument("--wait", action="store_true", help="wait until the run ends, printing each epoch")
    worker = commands.add_parser("run", help="the worker (started by `start` and by the app)")
    worker.add_argument("folder", type=Path)
    worker.add_argument("--parent", type=int, default=None, help="end when this process (the server) ends")
    for sub in (start, worker, *(commands.choices[n] for n in ("list", "stop", "resume"))):
        sub.add_argument("--zoo", type=Path, default=Path("user-zoo"), help="the zoo folder (default: ./user-zoo)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    zoo = args.zoo
    try:
        if args.command == "run":
            folder = args.folder
            if not (folder / "request.json").is_file():
                return fail(f"{folder} is not a theatre run's folder (it has no request.json)")
            return theatre.run_worker(folder, zoo, args.parent)
        if args.command == "list":
            for run_id in theatre.list_runs(zoo):
                run = theatre.runs_root(zoo) / run_id
                status, request = theatre.read_status(run), theatre.read_request(run)
                print(f"{run_id}  {status.state:8}  epoch {status.epoch}/{status.epochs}  {request.dataset}  "
                      f"{' '.join(request.kinds)}  z{request.latent_dim}")
            return 0
        if args.command == "stop":
            theatre.stop_run(zoo, args.run)
            return 0
        parent = os.getpid() if args.wait else None  # a run waited on ends with its command
        if args.command == "resume":
            theatre.resume_run(zoo, args.run, parent)
            run_id = args.run
        else:
            request = theatre.TheatreRequest(args.dataset, tuple(args.kinds), args.latent_dim, args.epochs, args.subset,
                                             args.batch_size, args.lr, args.seed)
            run_id = theatre.start_run(zoo, request, parent)
            print(run_id)
            if theatre.read_request(theatre.runs_root(zoo) / run_id).source == "test":
                print(f"{args.dataset}: its training split is not on this machine; the run trains on the shipped test "
                      f"split less the {theatre.PROBE_IMAGES} images its frames draw", file=sys.stderr)
    except ExplorerError as err:
        return fail(err.reason)
    return follow(zoo, run_id) if args.wait else 0


def follow(zoo: Path, run_id: str) -> int:
    """Print each epoch as the worker finishes it, until the run ends; the exit status says how it ended."""
    from explorer.present.i18n import t

    run = theatre.runs_root(zoo) / run_id
    shown = -1
    try:
        while True:
            status = theatre.read_status(run)
            if status.epoch != shown:
                shown = status.epoch
                print(f"epoch {status.epoch}/{status.epochs}", file=sys.stderr)
            if not status.active:
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        theatre.end_worker(theatre.read_status(run))
        print(f"stopped; `python -m explorer.theatre resume {run_id} --zoo {zoo}` goes on", file=sys.stderr)
        return 130
    if status.message:
        key, *fields = status.message
        print(t(key, **dict(fields)), file=sys.stderr)
    for kind, saved in status.saved.items():
        print(f"saved {kind}: {zoo / saved}")
    stopped_by_request = status.state == "stopped" and status.message[:1] == ("theatre.stopped_at",)
    return 0 if status.state == "done" or stopped_by_request else 1
