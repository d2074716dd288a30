"""``python -m explorer.train --dataset movielens-100k --model autorec|multdae|multvae``: a recommender.

The same command, checkpoint folder and model card as the image models' (explorer/commands/train.py
hands the ratings kinds here): the ratings are read from the data root (``python -m explorer.data fetch
movielens-100k`` puts them there), the model trained on its split (explorer.training.recommend), its test
figures measured, and what the Recommendation page needs (``recommendation.npz``) stored beside its weights.
No rating is written into the checkpoint: weights, codes, maps and figures only.

``--bottleneck 10,20,50,…`` (I-AutoRec) trains one more model per code size on the same split and stores
the test RMSE of each in metrics.json: the page's curve of the bottleneck against the error.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import torch

from explorer.commands.args import fail
from explorer.data.datasets import default_data_root, pretrained_dir
from explorer.data.movielens import NAME as MOVIELENS
from explorer.data.movielens import load_movielens
from explorer.errors import CheckpointError, DatasetUnavailable, TrainingDiverged
from explorer.models.kinds import KINDS
from explorer.models.nets import count_parameters
from explorer.models.recommenders import RatingsConfig
from explorer.store.checkpoint import round_to_storage, save_pretrained
from explorer.store.folders import check_output_folder
from explorer.store.recommendation import PAGE_FILE
from explorer.training.recommend import (
    TEST_FOLD,
    TRAINING,
    measure,
    ratings_data,
    train_recommender,
    write_page_views,
)

HYPER_PARAMETERS = ("weight_decay", "dropout", "beta", "anneal_steps", "hidden")


def settings(args) -> dict:
    """The training settings: the command line's, else the kind's defaults (TRAINING)."""
    defaults = TRAINING[args.model]
    run = {key: getattr(args, key) if getattr(args, key) is not None else defaults[key]
           for key in ("epochs", "batch_size", "lr")}
    return {**run, "optimiser": defaults["optimiser"]}


def bottleneck_sizes(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        sizes = sorted({int(word) for word in text.split(",") if word.strip()})
    except ValueError:
        raise ValueError(f"--bottleneck takes code sizes separated by commas, not {text!r}") from None
    if not sizes or sizes[0] < 1 or sizes[-1] > 1024:
        raise ValueError(f"--bottleneck's sizes must lie in 1–1024, not {text!r}")
    return sizes


def train_ratings(args, parser) -> int:
    if args.data is not None or (args.dataset is not None and args.dataset != MOVIELENS):
        parser.error(f"--model {args.model} is a recommender: it trains on --dataset {MOVIELENS}")
    if args.dataset is None:
        parser.error(f"--model {args.model} trains on --dataset {MOVIELENS}")
    overrides = {key: getattr(args, key) for key in HYPER_PARAMETERS if getattr(args, key, None) is not None}
    try:
        config = RatingsConfig(kind=args.model, latent_dim=args.latent_dim, **overrides)
        sizes = bottleneck_sizes(args.bottleneck)
    except ValueError as err:
        parser.error(str(err))
    if sizes and KINDS[args.model].input != "item":
        parser.error("--bottleneck is I-AutoRec's curve: pass it with --model autorec")
    run = settings(args)
    out = args.out or pretrained_dir() / MOVIELENS / config.name
    try:
        check_output_folder(out, overwrite=args.overwrite)
    except CheckpointError as err:
        return fail(f"--out {err}")
    try:
        ratings, splits = load_movielens(args.data_root or default_data_root())
    except DatasetUnavailable as err:
        return fail(str(err))
    torch.set_num_threads(max(1, torch.get_num_threads()))
    data = ratings_data(config.kind, ratings, splits)
    print(f"training {config.name} on {MOVIELENS} ({len(data.train)} input vectors of {data.train.shape[1]})",
          file=sys.stderr)

    def log(record):
        if not args.no_progress:
            shown = " ".join(f"{k}={v:.4g}" for k, v in record.items() if isinstance(v, float) and k != "seconds")
            print(f"epoch {record['epoch']}: {shown}", file=sys.stderr)
    try:
        model, history = train_recommender(config, data.train, run["epochs"], run["batch_size"], run["lr"], args.seed,
                                           log=log, validation=data.validation, optimiser=run["optimiser"])
        curve = []
        for size in sizes:  # the bottleneck against the error, on the same split
            smaller, _ = train_recommender(RatingsConfig(**{**config.to_dict(), "latent_dim": size}), data.train,
                                           run["epochs"], run["batch_size"], run["lr"], args.seed,
                                           validation=data.validation, optimiser=run["optimiser"])
            curve.append({"latent_dim": size, **measure(round_to_storage(smaller), data)})
            print(f"bottleneck {size}: {curve[-1]}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    except TrainingDiverged as err:
        return fail(str(err), code=1)
    round_to_storage(model)
    test = measure(model, data)
    if not all(math.isfinite(v) for v in test.values()):
        return fail(f"the trained model's test figures are not finite ({test}); nothing was written", code=1)
    best = next((h["epoch"] for h in history if h.get("best")), len(history))
    metrics = {
        "test": test,
        "train": {"n_inputs": len(data.train), "parameters": count_parameters(model), "best_epoch": best,
                  "seconds_per_epoch": sum(h["seconds"] for h in history) / len(history), "device": "cpu"},
        "protocol": ("5-fold cross-validation's fold 0 (80 % of the ratings trained on, 5 % of them to choose the "
                     "epoch; the other 20 % measured)" if KINDS[config.kind].input == "item" else
                     "strong generalisation: 743 users trained on; 100 validation users choose the epoch; 100 test "
                     "users, each given 80 % of their ratings, their other likes (4 and 5) ranked"),
        "history": history,
    }
    if curve:
        metrics["bottleneck"] = curve
    training = {**run, "seed": args.seed, "early_stopping": True, "test_fold": TEST_FOLD,
                "inputs": len(data.train), "device": "cpu"}
    with tempfile.TemporaryDirectory() as tmp:
        views = write_page_views(model, data, Path(tmp) / PAGE_FILE, seed=args.seed)
        try:
            save_pretrained(model, out, metrics=metrics, training=training, extra_files={PAGE_FILE: views})
        except (CheckpointError, OSError) as err:
            return fail(f"not saved: {err}", code=1)
    print(f"saved {out}: " + " ".join(f"{k}={v:.4f}" for k, v in test.items()))
    return 0
