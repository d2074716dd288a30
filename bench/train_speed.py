"""Training speed: seconds per epoch of each model kind, on this machine, in one run.

    python bench/train_speed.py [--dataset fashion-mnist] [--images 10000] [--epochs 1] [--latent-dim 16]

Each kind trains for ``--epochs`` on the first ``--images`` training images (batch 128,
as the zoo), timed by the same loop the zoo uses (explorer.training.train.train_model); the
figure is scaled to a full epoch of the split's 60,000 images. The reference in the
same run is the plain autoencoder: each kind's ratio to it is its regulariser's cost.
(The ratio against pythae's implementation is bench/peer_pythae.py.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2, help="rounds over the kinds; the fastest round counts")
    parser.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args()
    import torch

    from explorer.data.datasets import load_split
    from explorer.models.kinds import MODEL_KINDS
    from explorer.models.nets import ModelConfig
    from explorer.training.train import train_model

    images = load_split(args.dataset, "train", args.data_root)[0][: args.images]
    # the first steps of a process pay one-off costs (thread pools, kernel selection): pay them untimed
    train_model(ModelConfig(kind="ae", dataset=args.dataset, latent_dim=args.latent_dim), images[:1024], 1,
                progress=False)
    per_epoch: dict[str, float] = {}
    for _ in range(args.repeats):  # interleaved rounds, so drift hits every kind alike
        for kind in MODEL_KINDS:
            start = time.perf_counter()
            train_model(ModelConfig(kind=kind, dataset=args.dataset, latent_dim=args.latent_dim), images,
                        args.epochs, progress=False)
            seconds = (time.perf_counter() - start) / args.epochs * 60_000 / len(images)
            per_epoch[kind] = min(seconds, per_epoch.get(kind, seconds))
    print(f"{args.dataset}, latent {args.latent_dim}, {len(images)} images x {args.epochs} epoch(s), "
          f"CPU threads {torch.get_num_threads()}; seconds per 60,000-image epoch, fastest of {args.repeats}:")
    print("| kind | s / epoch | vs ae |")
    print("| --- | ---: | ---: |")
    for kind, seconds in per_epoch.items():
        print(f"| {kind} | {seconds:.1f} | {seconds / per_epoch['ae']:.2f} |")


if __name__ == "__main__":
    main()
