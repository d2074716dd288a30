"""Train one autoencoder of the family and save it as a checkpoint folder.

    python -m explorer.train --dataset fashion-mnist --model vae --latent-dim 16 --epochs 30
    python -m explorer.train --data PATH [--name NAME] [--size 32] --model vae --latent-dim 16 [--zoo DIR]
    python -m explorer.train --dataset movielens-100k --model autorec --latent-dim 500   (explorer.commands.train_ratings)

``--data`` trains on a user's images (explorer.userdata: a folder of class sub-folders, a flat
folder, or an ``.npz``): grey or RGB, square, of the size in the data or ``--size``; the conv
backbone adapts (explorer.models.nets.conv_stages). A seeded share (``--test-fraction``) is held out
and exported as ``<zoo>/<name>/test.npz``, the way the shipped test splits are, and the
checkpoint goes to ``<zoo>/<name>/<model>-z<latent>``.

The run is reproducible with ``--seed``. Every argument and the output folder are
checked before the data is read: ``--out`` may name a new or empty folder, or (with
``--overwrite``) an existing checkpoint; anything else is refused with one line and exit
status 2. A run whose loss stops being finite stops with exit status 1 and writes nothing.
The checkpoint is written beside its place and swapped in (explorer.store.folders), so an
interrupted run never leaves a half checkpoint or loses the old one.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import torch

from explorer.commands.args import (
    DEVICES,
    ArgumentParser,
    fail,
    non_negative_int,
    positive_float,
    positive_int,
    resolve_device,
    whole_number,
)
from explorer.data.datasets import DATASETS, load_split, pretrained_dir
from explorer.data.movielens import NAME as MOVIELENS
from explorer.data.userdata import export_test_split, hold_out, load_image_set
from explorer.errors import CheckpointError, DatasetUnavailable, TrainingDiverged
from explorer.metrics.evaluate import evaluate_model
from explorer.models.kinds import MODEL_KINDS, RATINGS_KINDS
from explorer.models.nets import IMAGE_SIZES, ModelConfig, count_parameters
from explorer.store.checkpoint import round_to_storage, save_pretrained
from explorer.store.folders import check_output_folder
from explorer.training.distributed import Processes, described, from_environment, start, stop
from explorer.training.train import DEFAULT_LR, SCHEDULES, train_model

HYPER_PARAMETERS = (("noise", str), ("noise-level", float), ("sparsity", str), ("sparsity-weight", float),
                    ("rho", float), ("contractive-weight", float), ("jacobian", str), ("beta", float),
                    ("mmd-lambda", float), ("adversarial-weight", float), ("norm", str))


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m explorer.train", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=[*DATASETS, MOVIELENS])
    source.add_argument("--data", type=Path, help="your images: a folder (class sub-folders or flat) or an .npz")
    parser.add_argument("--model", required=True, choices=list(MODEL_KINDS))
    parser.add_argument("--latent-dim", type=positive_int, default=None, help="default: 16 (images), 500 (autorec), "
                        "200 (multdae, multvae)")
    parser.add_argument("--epochs", type=positive_int, default=None, help="default: 20 (images); a recommender's "
                        "most, the best on its validation split kept")
    parser.add_argument("--batch-size", type=positive_int, default=None, help="default: 128 (images)")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help=f"the peak learning rate under one-cycle (default: {DEFAULT_LR:g} for images)")
    parser.add_argument("--schedule", choices=SCHEDULES, default="onecycle", help="the learning rate's course")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--device", default="auto", choices=DEVICES)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="default: pretrained/<dataset>/<model>-z<latent>")
    parser.add_argument("--overwrite", action="store_true", help="replace the checkpoint already in the output folder")
    parser.add_argument("--train-limit", type=positive_int, default=None, help="train on the first N images only")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (per-epoch lines only)")
    own = parser.add_argument_group("with --data")
    own.add_argument("--name", type=dataset_name, default=None, help="the dataset's name in the zoo (default: PATH's)")
    own.add_argument("--size", type=whole_number(*IMAGE_SIZES), default=None, help="resize the images to SIZE×SIZE")
    own.add_argument("--test-fraction", type=fraction, default=0.1, help="the share held out as the test split")
    own.add_argument("--zoo", type=Path, default=Path("user-zoo"), help="the zoo folder (default: ./user-zoo)")
    hyper = parser.add_argument_group("hyper-parameters (defaults in explorer.models.nets.ModelConfig)")
    for name, kind in HYPER_PARAMETERS:
        hyper.add_argument(f"--{name}", type=kind, default=None)
    ratings = parser.add_argument_group(f"recommenders (--dataset {MOVIELENS}; defaults in "
                                        "explorer.models.recommenders.RatingsConfig)")
    ratings.add_argument("--weight-decay", type=non_negative_float, default=None)
    ratings.add_argument("--dropout", type=non_negative_float, default=None)
    ratings.add_argument("--anneal-steps", type=non_negative_int, default=None)
    ratings.add_argument("--hidden", type=positive_int, default=None)
    ratings.add_argument("--bottleneck", default=None, help="autorec: code sizes (10,20,50) whose test RMSE is "
                         "stored as the page's curve")
    return parser


def non_negative_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of 0 or more, got {text}")
    return value


def dataset_name_of(path: Path) -> str | None:
    """The name a dataset takes from its folder or file, if it is a usable one."""
    import argparse

    try:
        return dataset_name(path.stem if path.suffix == ".npz" else path.name)
    except argparse.ArgumentTypeError:
        return None


def dataset_name(text: str) -> str:
    """A dataset's name in a zoo: a folder name and a URL value (letters, digits, '-', '_')."""
    import argparse
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", text):
        raise argparse.ArgumentTypeError(f"use up to 40 letters, digits, '-' or '_', not {text!r}")
    return text


def fraction(text: str) -> float:
    import argparse

    value = positive_float(text)
    if value >= 0.5:
        raise argparse.ArgumentTypeError(f"must be below 0.5, got {text}")
    return value


def reproduce_command(config: ModelConfig, training: dict) -> str:
    """The command line that trains this checkpoint again: the hyper-parameters that differ from
    the defaults, and the training settings recorded in its config.json."""
    default = ModelConfig(kind=config.kind, dataset=config.dataset, latent_dim=config.latent_dim)
    source = (["--data", training["data"], "--name", config.dataset] if training.get("data")
              else ["--dataset", config.dataset])
    launcher = (["torchrun", "--standalone", "--nproc-per-node", str(training["processes"])]
                if int(training.get("processes", 1)) > 1 else ["python"])
    words = [*launcher, "-m", "explorer.train", *source, "--model", config.kind, "--latent-dim", str(config.latent_dim)]
    for flag, key in (("--size", "size"), ("--test-fraction", "test_fraction")):
        if training.get(key) is not None and training.get("data"):
            words += [flag, f"{training[key]:g}"]
    for flag, key in (("--epochs", "epochs"), ("--batch-size", "batch_size"), ("--lr", "lr"), ("--seed", "seed")):
        if key in training:
            words += [flag, f"{training[key]:g}" if isinstance(training[key], float) else str(training[key])]
    if training.get("schedule", "constant") != "onecycle":  # written before the schedule was recorded: constant
        words += ["--schedule", str(training.get("schedule", "constant"))]
    if training.get("train_limit"):
        words += ["--train-limit", str(training["train_limit"])]
    for name, _ in HYPER_PARAMETERS:
        key = name.replace("-", "_")
        value = getattr(config, key)
        if value != getattr(default, key):
            words += [f"--{name}", f"{value:g}" if isinstance(value, float) else str(value)]
    return " ".join(words)


def main(argv: list[str] | None = None) -> int:
    processes = from_environment()
    try:
        return _main(argv, processes)
    finally:
        stop(processes)


def _main(argv: list[str] | None, processes: Processes) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.model in RATINGS_KINDS or args.dataset == MOVIELENS:
        if args.model not in RATINGS_KINDS:
            parser.error(f"--dataset {MOVIELENS} trains a recommender: --model {' | '.join(RATINGS_KINDS)}")
        from explorer.commands.train_ratings import train_ratings

        args.latent_dim = args.latent_dim or (500 if args.model == "autorec" else 200)
        return train_ratings(args, parser)
    given = {"--weight-decay": args.weight_decay, "--dropout": args.dropout, "--anneal-steps": args.anneal_steps,
             "--hidden": args.hidden, "--bottleneck": args.bottleneck}
    if any(v is not None for v in given.values()):
        parser.error(f"{next(k for k, v in given.items() if v is not None)} is a recommender's: pass it with "
                     f"--dataset {MOVIELENS}")
    args.latent_dim, args.epochs = args.latent_dim or 16, args.epochs or 20
    args.batch_size, args.lr = args.batch_size or 128, args.lr or DEFAULT_LR
    if args.batch_size % processes.world_size:
        parser.error(f"--batch-size {args.batch_size} is the global batch: it must divide among the "
                     f"{processes.world_size} processes")
    overrides = {key: getattr(args, key) for key in (name.replace("-", "_") for name, _ in HYPER_PARAMETERS)
                 if getattr(args, key) is not None}
    name = None
    if args.data is not None:
        name = args.name or dataset_name_of(args.data)
        if name is None:
            parser.error(f"--data {args.data.name!r} is not a usable dataset name: pass --name")
        if name in DATASETS:
            parser.error(f"--name {name} is a shipped dataset's name: choose another")
    dataset = args.dataset or name
    try:
        config = ModelConfig(kind=args.model, dataset=dataset, latent_dim=args.latent_dim, **overrides)
        device = resolve_device(args.device)
    except ValueError as err:
        parser.error(str(err))
    if config.norm == "batch" and args.batch_size // processes.world_size < 2:
        parser.error("batch norm needs at least 2 images per batch in each process: raise --batch-size "
                     "or pass --norm none")
    device = start(processes, device)
    out = args.out or (args.zoo / dataset if args.data is not None else pretrained_dir() / dataset) / config.name
    try:
        check_output_folder(out, overwrite=args.overwrite)
    except CheckpointError as err:
        return fail(f"--out {err}")
    own_data = None
    if args.data is not None:  # the image shape comes from the data
        try:
            own_data = load_image_set(args.data, args.size)
            config = dataclasses.replace(config, image_channels=own_data.channels, image_size=own_data.size)
        except DatasetUnavailable as err:
            return fail(str(err))
        except ValueError as err:
            return fail(f"{err}: pass --size")
    if own_data is not None:
        if own_data.skipped:
            print(f"skipped {len(own_data.skipped)} file(s) that are not readable images, "
                  f"the first: {own_data.skipped[0]}", file=sys.stderr)
        train_set, test_set = hold_out(own_data, args.test_fraction, args.seed)
        try:
            if processes.writer:
                export_test_split(test_set, out.parent, title=name,
                                  source=f"{args.data.name}, held out with seed {args.seed}")
        except DatasetUnavailable as err:
            return fail(str(err))
        train_images, test_images = torch.from_numpy(train_set.images), torch.from_numpy(test_set.images)
    else:
        try:
            train_images, _ = load_split(args.dataset, "train", args.data_root)
            test_images, _ = load_split(args.dataset, "test", args.data_root)
        except DatasetUnavailable as err:
            return fail(str(err))
    if args.train_limit:
        train_images = train_images[: args.train_limit]
    if config.norm == "batch" and len(train_images) < 2 * processes.world_size:
        return fail(f"{len(train_images)} training image(s): batch norm needs at least 2 per process "
                    "(pass --norm none, or train on more images)")
    if processes.writer:
        print(f"training {config.name} on {dataset} ({len(train_images)} images of "
              f"{'×'.join(map(str, config.image_shape))}) on {device}"
              + (f", {processes.world_size} processes" if processes.active else ""), file=sys.stderr)
    try:
        model, history = train_model(
            config, train_images, args.epochs, args.batch_size, args.lr, args.seed, device,
            test_images=test_images, progress=not args.no_progress, processes=processes, schedule=args.schedule,
        )
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    except TrainingDiverged as err:
        return fail(str(err), code=1) if processes.writer else 1
    if not processes.writer:
        return 0  # rank 0 writes the checkpoint
    round_to_storage(model)
    test = evaluate_model(model, test_images)
    if not all(math.isfinite(v) for v in test.values()):
        return fail(f"the trained model's test figures are not finite ({test}); nothing was written", code=1)
    seconds = [h["seconds"] for h in history]
    metrics = {
        "test": test,
        "train": {
            "n_images": len(train_images),
            "parameters": count_parameters(model),
            "seconds_per_epoch": sum(seconds) / len(seconds),
            "device": str(device),
        },
        "history": history,
    }
    training = {
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "schedule": args.schedule,
        "seed": args.seed, "optimiser": "Adam", "train_images": len(train_images), "train_limit": args.train_limit, "device": str(device),
        "processes": processes.world_size, "batch_size_per_process": args.batch_size // processes.world_size,
        **described(processes),
    }
    if own_data is not None:
        training.update(data=str(args.data), size=args.size, test_fraction=args.test_fraction,
                        skipped_files=len(own_data.skipped))
    try:
        save_pretrained(model.cpu(), out, metrics=metrics, training=training)
    except (CheckpointError, OSError) as err:
        return fail(f"not saved: {err}", code=1)
    print(f"saved {out}: test mse={test['mse']:.5f} psnr={test['psnr']:.2f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
