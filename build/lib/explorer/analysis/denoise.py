"""Denoising and anomaly scores: what the denoising lab and the anomaly view compute."""

from __future__ import annotations

import numpy as np
import torch

from explorer.analysis.latent import reconstruct
from explorer.data.corrupt import corrupt
from explorer.data.datasets import to_float
from explorer.metrics.measure import mse_per_image, psnr_per_image, ssim_per_image
from explorer.models.nets import AutoEncoder


def quality(output: torch.Tensor, clean: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image PSNR (dB) and SSIM of ``output`` against ``clean``."""
    return {"psnr": psnr_per_image(output, clean), "ssim": ssim_per_image(output, clean)}


def noise_curve(models: dict[str, AutoEncoder], clean: torch.Tensor, kind: str, levels: list[float],
                seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """Mean PSNR and SSIM against the noise level, for each model and for the noisy input itself ("identity")."""
    curves = {name: {"psnr": [], "ssim": []} for name in ["identity", *models]}
    for level in levels:
        noisy = corrupt(clean, kind, level, seed=seed)
        outputs = {"identity": noisy, **{name: reconstruct(m, noisy) for name, m in models.items()}}
        for name, out in outputs.items():
            q = quality(out, clean)
            curves[name]["psnr"].append(q["psnr"].mean().item())
            curves[name]["ssim"].append(q["ssim"].mean().item())
    return curves


def reconstruction_errors(model: AutoEncoder, images: torch.Tensor) -> np.ndarray:
    """Per-image reconstruction MSE: the anomaly score of each image."""
    x = to_float(images) if images.dtype == torch.uint8 else images
    return mse_per_image(reconstruct(model, x), x).numpy()


def out_of_distribution(images: torch.Tensor, other: torch.Tensor | None, seed: int = 0) -> dict[str, torch.Tensor]:
    """Inputs a model of ``images`` never saw: the other dataset, uniform noise, upside-down and inverted images."""
    g = torch.Generator().manual_seed(seed)
    x = to_float(images) if images.dtype == torch.uint8 else images
    sets = {}
    if other is not None:
        other = to_float(other) if other.dtype == torch.uint8 else other
        if other.shape[1:] == x.shape[1:]:  # another dataset of another shape is no comparison
            sets["other"] = other
    sets["noise"] = torch.rand(x.shape, generator=g)
    sets["upside_down"] = torch.flip(x, dims=[2])
    sets["inverted"] = 1.0 - x
    return sets
