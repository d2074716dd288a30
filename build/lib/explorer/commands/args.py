"""What the command-line tools share: one-line usage errors, checked numbers, the device.

Every tool (train, evaluate, embed, zoo, data, fid) answers a bad argument with one line
on stderr and exit status 2, before it reads a dataset or writes a file.
"""

from __future__ import annotations

import argparse
import math
import sys


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``prog: error: …``), not the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def fail(message: str, code: int = 2) -> int:
    """Print ``error: message`` on stderr and return the exit status to use."""
    print(f"error: {message}", file=sys.stderr)
    return code


def whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number from ``low`` (to ``high``), with a one-line complaint."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse


positive_int = whole_number(1)
non_negative_int = whole_number(0, 2**63 - 1)  # a seed


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str):
    """The torch device for ``--device``; ValueError with one line if it is not there."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available (use --device cpu or auto)")
    if name == "mps" and not has_mps:
        raise ValueError("--device mps: no Apple MPS device is available (use --device cpu or auto)")
    if name not in DEVICES:
        raise ValueError(f"--device {name}: choose one of {', '.join(DEVICES)}")
    return torch.device(name)


def add_checkpoint_folders(parser: ArgumentParser) -> None:
    """The positional checkpoint folders and ``--all`` (every available checkpoint of the shipped zoo)."""
    from pathlib import Path

    parser.add_argument("folders", nargs="*", type=Path, help="checkpoint folders")
    parser.add_argument("--all", action="store_true", help="every available checkpoint in pretrained/")


def checkpoint_folders(parser: ArgumentParser, args) -> list:
    """The folders named, and with ``--all`` those of the shipped zoo; a usage error if there are none."""
    from explorer.data.datasets import DATASETS
    from explorer.store.catalog import list_models

    folders = list(args.folders)
    if args.all:
        folders += [m.folder for d in DATASETS for m in list_models(d) if m.available]
    if not folders:
        parser.error("name checkpoint folders, or pass --all")
    return folders
