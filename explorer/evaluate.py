"""Test-set figures of a checkpoint: reconstruction MSE and PSNR, plus KL (vae) or MMD (wae).

    python -m explorer.evaluate pretrained/fashion-mnist/vae-z16 [--data-root DIR] [--limit N]

The figures are written into the folder's metrics.json under "test".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from explorer.checkpoint import CheckpointError, load_pretrained, read_metrics, write_metrics
from explorer.data import DatasetUnavailable, load_shipped_test, load_split, to_float
from explorer.losses import gaussian_kl, imq_mmd
from explorer.measure import mse_per_image, psnr_per_image
from explorer.models import AutoEncoder


@torch.no_grad()
def evaluate_model(model: AutoEncoder, images: torch.Tensor, batch_size: int = 500, seed: int = 0) -> dict[str, float]:
    """Mean test figures over ``images`` (uint8 N×28×28 or float in [0, 1])."""
    model.eval()
    device = next(model.parameters()).device
    mse, psnr, kl, codes = [], [], [], []
    for i in range(0, len(images), batch_size):
        x = images[i : i + batch_size]
        x = (to_float(x) if x.dtype == torch.uint8 else x).to(device)
        if model.kind == "vae":
            mu, logvar = model.encode_distribution(x)
            kl.append(gaussian_kl(mu, logvar).cpu())
            z = mu
        else:
            z = model.encode(x)
        codes.append(z.cpu())
        x_hat = model.decode(z)
        mse.append(mse_per_image(x_hat, x).cpu())
        psnr.append(psnr_per_image(x_hat, x).cpu())
    figures = {
        "n_images": len(images),
        "mse": torch.cat(mse).mean().item(),
        "psnr": torch.cat(psnr).mean().item(),
    }
    if model.kind == "vae":
        figures["kl"] = torch.cat(kl).mean().item()
    if model.kind == "wae":
        z = torch.cat(codes)[:2000]
        prior = torch.randn(z.shape, generator=torch.Generator().manual_seed(seed))
        figures["mmd"] = imq_mmd(z, prior).item()
    return figures


def test_images(dataset: str, data_root: Path | None) -> torch.Tensor:
    """The test split from the data root, else the copy shipped under pretrained/."""
    try:
        return load_split(dataset, "test", data_root)[0]
    except DatasetUnavailable:
        return load_shipped_test(dataset)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a checkpoint folder, e.g. pretrained/mnist/vae-z16")
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N test images only")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    try:
        model = load_pretrained(args.folder, device=args.device)
        metrics = read_metrics(args.folder)
        images = test_images(model.config.dataset, args.data_root)
    except (CheckpointError, DatasetUnavailable) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.limit is not None:
        images = images[: max(1, args.limit)]
    figures = evaluate_model(model, images)
    metrics["test"] = figures
    write_metrics(args.folder, metrics)
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
