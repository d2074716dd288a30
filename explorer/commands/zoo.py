"""The pretrained zoo: which models ship, and the commands that retrain them.

    python -m explorer.zoo list                   # every entry, trained or not
    python -m explorer.zoo train mnist/vae-z16    # retrain one entry (one process per model)
    python -m explorer.zoo train --missing        # train every entry not yet in pretrained/
    python -m explorer.zoo train --all            # retrain everything, one entry after the other
    python -m explorer.zoo train --missing --embed   # … and precompute each one's map.npz and gmm.npz
    python -m explorer.zoo check DIR              # what the app can open in a zoo folder, and why not
    python -m explorer.zoo precompute [DIR] [--force]   # store each checkpoint's map.npz and views.npz (what pages need at once),
                                                  # and the recommenders' recommendation.npz (from the fetched ratings)

Each entry is trained by ``python -m explorer.train`` with the settings below, so a
checkpoint's config.json and this list say the same thing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from explorer.commands.args import ArgumentParser, positive_int
from explorer.data.datasets import DATASETS, pretrained_dir
from explorer.data.movielens import NAME as MOVIELENS
from explorer.errors import DatasetUnavailable
from explorer.store.zoo import ZOO_EPOCHS, zoo_entries


@contextlib.contextmanager
def opened_zoo(folder: Path):
    """The zoo folder ``folder`` opened as the app opens it (``--zoo DIR``), for the duration; a folder that holds the
    shipped datasets (a checkout's pretrained/, named from an installed package) is opened as the shipped zoo."""
    from explorer.data.datasets import PRETRAINED_ENV, ZOO_ENV

    shipped = any((folder / name / "test.npz").is_file() for name in DATASETS)
    changed = {ZOO_ENV: str(folder), **({PRETRAINED_ENV: str(folder)} if shipped else {})}
    previous = {name: os.environ.get(name) for name in changed}
    os.environ.update(changed)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def zoo_datasets(folder: Path) -> dict | None:
    """The datasets of a zoo folder (name → spec); None, with a message, if ``folder`` is no zoo."""
    from explorer.data.datasets import pretrained_dir, user_datasets

    if not folder.is_dir():
        print(f"error: {folder}: not a folder", file=sys.stderr)
        return None
    if folder.resolve() == pretrained_dir().resolve():
        return dict(DATASETS)
    datasets = {name: spec for name, (spec, root) in user_datasets().items() if root == folder}
    if not datasets:
        print(f"error: {folder}: no dataset folder (a sub-folder with a test.npz, as explorer.train --data "
              "writes)", file=sys.stderr)
        return None
    return datasets


def check(folder: Path) -> int:
    """Print each dataset of a zoo folder and each checkpoint in it, usable or why not; exit 0 if
    anything is usable, 1 if nothing is, 2 if the folder is not a zoo."""
    from explorer.data.datasets import load_shipped_arrays
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import CheckpointError, load_pretrained
    from explorer.store.precomputed import views_status

    with opened_zoo(folder):
        datasets = zoo_datasets(folder)
        if datasets is None:
            return 2
        usable = 0
        for name, spec in datasets.items():
            try:
                images, _ = load_shipped_arrays(name)
                shape = "×".join(map(str, images.shape[1:]))
                print(f"{name}: {spec.title}, {len(images):,} test images of {shape}, "
                      f"{len(spec.class_names) or 'no'} classes")
            except DatasetUnavailable as err:
                print(f"{name}: unusable, test.npz {err.reason}")
                continue
            models = list_models(name)
            if not models:
                print("  no checkpoint folders (<kind>-z<latent>)")
            for info in models:
                reason = info.reason
                if info.available:  # loading it is the real check (a model of its own code runs it here)
                    try:
                        load_pretrained(info.folder)
                    except CheckpointError as err:
                        reason = err.reason
                usable += not reason
                if reason:
                    print(f"  {info.name:20s} unusable: {reason}")
                    continue
                views = views_status(info.folder, len(images), info.latent_dim)
                print(f"  {info.name:20s} usable; views.npz "
                      f"{'stored' if views is None else views + ' (computed on first view: zoo precompute)'}")
        if folder.resolve() == pretrained_dir().resolve() and (pretrained_dir() / MOVIELENS).is_dir():
            usable += check_recommenders()
        return 0 if usable else 1


def check_recommenders() -> int:
    """Print MovieLens-100K's recommenders, usable or why not (their page's views, recommendation.npz, read
    whole); the number usable."""
    from explorer.errors import ExplorerError
    from explorer.store.catalog import list_models
    from explorer.store.recommendation import read_movies, read_page_views

    try:
        movies = read_movies()
        print(f"{MOVIELENS}: MovieLens-100K, {len(movies['movies']):,} movies (the ratings are not shipped)")
    except ExplorerError as err:
        print(f"{MOVIELENS}: unusable, movies.json {err.reason}")
        return 0
    usable = 0
    for info in list_models(MOVIELENS):
        reason = info.reason
        if not reason:
            try:
                read_page_views(info, len(movies["movies"]))
            except ExplorerError as err:
                reason = f"{err.file} {err.reason}"
        usable += not reason
        print(f"  {info.name:20s} " + (f"unusable: {reason}" if reason else "usable; recommendation.npz stored"))
    return usable


def precompute(folder: Path, force: bool) -> int:
    """Store map.npz and views.npz for every usable checkpoint of a zoo folder that has none (that fits; all with
    ``force``)."""
    import time

    from explorer.analysis.project import DEFAULT_UMAP, MAP_FILE, save_map
    from explorer.data.datasets import load_shipped_arrays
    from explorer.errors import ExplorerError
    from explorer.store.catalog import list_models
    from explorer.store.embed import compute_shipped_map
    from explorer.store.precomputed import views_status, write_views

    with opened_zoo(folder):
        datasets = zoo_datasets(folder)
        if datasets is None:
            return 2
        failed = 0
        for name in datasets:
            try:
                n_images = len(load_shipped_arrays(name)[0])
            except DatasetUnavailable as err:
                print(f"{name}: skipped, test.npz {err.reason}", file=sys.stderr)
                failed += 1
                continue
            for info in list_models(name):
                if not info.available:
                    print(f"{name}/{info.name}: skipped, {info.reason}", file=sys.stderr)
                    continue
                try:
                    if force or not (info.folder / MAP_FILE).is_file():  # the map page's first view: its map
                        start = time.perf_counter()
                        latent_map = compute_shipped_map(info.folder, **DEFAULT_UMAP)
                        save_map(info.folder / MAP_FILE, latent_map)
                        print(f"{name}/{info.name}: map.npz ({latent_map.method}) written in "
                              f"{time.perf_counter() - start:.1f} s", flush=True)
                    if not force and views_status(info.folder, n_images, info.latent_dim) is None:
                        print(f"{name}/{info.name}: views.npz up to date")
                        continue
                    start = time.perf_counter()
                    write_views(info.folder)
                except ExplorerError as err:
                    print(f"{name}/{info.name}: failed, {err.reason}", file=sys.stderr)
                    failed += 1
                    continue
                print(f"{name}/{info.name}: views.npz written in {time.perf_counter() - start:.1f} s", flush=True)
        if folder.resolve() == pretrained_dir().resolve():
            failed += precompute_recommenders(force)
        return 1 if failed else 0


def precompute_recommenders(force: bool) -> int:
    """Store each MovieLens-100K recommender's recommendation.npz that is missing or unreadable (all with ``force``):
    it needs the ratings (explorer.data fetch movielens-100k); the number that failed."""
    from explorer.data.datasets import default_data_root
    from explorer.data.movielens import load_movielens
    from explorer.errors import ExplorerError
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained
    from explorer.store.recommendation import PAGE_FILE, read_page_views
    from explorer.training.recommend import ratings_data, write_page_views

    todo = []
    for info in list_models(MOVIELENS):
        try:
            if not force:
                read_page_views(info)
                print(f"{MOVIELENS}/{info.name}: {PAGE_FILE} up to date")
                continue
        except ExplorerError:
            pass
        todo.append(info)
    if not todo:
        return 0
    try:
        ratings, splits = load_movielens(default_data_root())
    except ExplorerError as err:
        print(f"{MOVIELENS}: skipped, {err.reason}", file=sys.stderr)
        return len(todo)
    failed = 0
    for info in todo:
        try:
            write_page_views(load_pretrained(info.folder), ratings_data(info.kind, ratings, splits), info.folder / PAGE_FILE)
            print(f"{MOVIELENS}/{info.name}: {PAGE_FILE} written", flush=True)
        except ExplorerError as err:
            print(f"{MOVIELENS}/{info.name}: failed, {err.reason}", file=sys.stderr)
            failed += 1
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m explorer.zoo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    p_check = sub.add_parser("check", help="what the app can open in a zoo folder (DIR), and why not")
    p_check.add_argument("folder", type=Path, help="a zoo folder: datasets with a test.npz and checkpoint folders")
    p_check.add_argument("--trust-module", action="append", default=[],
                         help="load models whose config.json names this Python module (explorer.models.custom)")
    p_pre = sub.add_parser("precompute", help="store each checkpoint's map.npz and views.npz (what the pages need at once)")
    p_pre.add_argument("folder", type=Path, nargs="?", default=None, help="a zoo folder (default: the shipped zoo)")
    p_pre.add_argument("--force", action="store_true", help="recompute views.npz files that are up to date")
    p_pre.add_argument("--trust-module", action="append", default=[],
                       help="load models whose config.json names this Python module (explorer.models.custom)")
    p_train = sub.add_parser("train")
    p_train.add_argument("names", nargs="*", help="entries such as mnist/vae-z16")
    p_train.add_argument("--missing", action="store_true")
    p_train.add_argument("--all", action="store_true")
    p_train.add_argument("--epochs", type=positive_int, default=ZOO_EPOCHS)
    p_train.add_argument("--embed", action="store_true", help="then write each entry's map.npz and gmm.npz")
    p_train.add_argument("--nproc-per-node", type=positive_int, default=1,
                         help="train each entry on N processes under torchrun (one per GPU; gloo on the CPU)")
    args = parser.parse_args(argv)
    if args.command in ("check", "precompute"):
        if args.trust_module:
            from explorer.models.custom import TRUST_ENV

            os.environ[TRUST_ENV] = ",".join(args.trust_module)
        if args.command == "check":
            return check(args.folder)
        return precompute(args.folder or pretrained_dir(), args.force)
    entries = zoo_entries()
    if args.command == "list":
        for e in entries:
            print(f"{e.name:28s} {'trained' if (e.folder / 'model.safetensors').is_file() else 'missing'}")
        return 0
    by_name = {e.name: e for e in entries}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        print(f"error: not in the zoo: {', '.join(unknown)} (see `python -m explorer.zoo list`)", file=sys.stderr)
        return 2
    chosen = [by_name[n] for n in args.names]
    if args.all:
        chosen = entries
    elif args.missing:
        chosen += [e for e in entries if not (e.folder / "model.safetensors").is_file() and e not in chosen]
    if not chosen:
        parser.error("name entries to train, or pass --missing or --all")
    for entry in chosen:
        print(f"== {entry.name}", flush=True)
        result = subprocess.run(entry.train_command(args.epochs, args.nproc_per_node), check=False)
        if result.returncode == 0 and args.embed and entry.embed_command() is not None:
            result = subprocess.run(entry.embed_command(), check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
