"""Classifier FID ("FID-c"): the Fréchet distance between the penultimate-layer features of a
small LeNet-style classifier trained per dataset by this project.

No Inception weights can be had offline, so the features come from a network that knows
digits and clothes. The figures are comparable within a dataset, not with Inception FIDs.

    python -m explorer.fid train --dataset mnist [--epochs 3] [--data-root DIR]

writes ``pretrained/<dataset>/classifier/`` (config.json, model.safetensors, metrics.json).
"""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.commands.args import ArgumentParser
from explorer.data.datasets import DATASETS, load_split
from explorer.errors import DatasetUnavailable
from explorer.metrics.fid import accuracy, classifier_folder, save_classifier, train_classifier


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m explorer.fid", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train and ship the feature classifier of a dataset")
    p_train.add_argument("--dataset", required=True, choices=list(DATASETS))
    p_train.add_argument("--epochs", type=int, default=3)
    p_train.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        train_x, train_y = load_split(args.dataset, "train", args.data_root)
        test_x, test_y = load_split(args.dataset, "test", args.data_root)
    except DatasetUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    model = train_classifier(train_x, train_y, args.epochs)
    acc = accuracy(model, test_x, test_y)
    save_classifier(model, classifier_folder(args.dataset), {"test_accuracy": acc, "epochs": args.epochs})
    print(f"{classifier_folder(args.dataset)}: test accuracy {acc:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
