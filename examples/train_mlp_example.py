"""Train the example MLP autoencoder on generated colour images and write it as a zoo folder.

    python examples/train_mlp_example.py --zoo ./user-zoo [--epochs 20] [--latent-dim 8]
    streamlit run app.py -- --zoo ./user-zoo --trust-module examples.mlp_autoencoder

The images: 32×32 RGB, a coloured square (red, green or blue: the class) at a random place, with
noise. The folder ``<zoo>/coloured-squares/ae-z<latent>`` holds config.json (a ``custom`` section
naming examples.mlp_autoencoder.MLPAutoEncoder, see explorer/custom.py), model.safetensors and
metrics.json; ``<zoo>/coloured-squares/test.npz`` the held-out test split.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.mlp_autoencoder import MLPAutoEncoder
from explorer.data.datasets import to_float
from explorer.data.userdata import ImageSet, export_test_split, hold_out
from explorer.store.checkpoint import FORMAT_VERSION
from explorer.store.folders import check_output_folder

DATASET = "coloured-squares"
CLASSES = ("red", "green", "blue")


def coloured_squares(n: int, size: int = 32, seed: int = 0) -> ImageSet:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.integers(0, 40, (n, size, size, 3)).astype(np.uint8)  # a dark, noisy background
    for i, label in enumerate(labels):
        y, x = rng.integers(0, size - 10, 2)
        images[i, y : y + 10, x : x + 10, label] = 230
    return ImageSet(images, labels.astype(np.int64), CLASSES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = args.zoo / DATASET / f"ae-z{args.latent_dim}"
    check_output_folder(out, overwrite=False)
    train, test = hold_out(coloured_squares(args.images, seed=args.seed), 0.1, args.seed)
    export_test_split(test, out.parent, title="Coloured squares", source="examples/train_mlp_example.py")
    config = {"image_shape": [3, 32, 32], "latent_dim": args.latent_dim, "hidden": 256}
    torch.manual_seed(args.seed)
    model = MLPAutoEncoder(config)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = to_float(torch.from_numpy(train.images))
    for epoch in range(args.epochs):
        for rows in torch.randperm(len(x)).split(64):
            loss = model.loss(x[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        y = to_float(torch.from_numpy(test.images))
        mse = float(((model.decode(model.encode(y)) - y) ** 2).mean())
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps({
        "format": FORMAT_VERSION,
        "model": {"kind": "ae", "dataset": DATASET, "latent_dim": args.latent_dim, "image_channels": 3,
                  "image_size": 32},
        "custom": {"module": "examples.mlp_autoencoder", "class": "MLPAutoEncoder", "config": config},
        "training": {"epochs": args.epochs, "seed": args.seed, "train_images": len(train.images),
                     "script": "examples/train_mlp_example.py"},
    }, indent=2) + "\n")
    (out / "metrics.json").write_text(json.dumps({"test": {"mse": mse}}, indent=2) + "\n")
    print(f"saved {out}: test mse={mse:.5f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
