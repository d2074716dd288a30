"""Image quality measures on tensors in [0, 1] (N×1×H×W or N×H×W)."""

from __future__ import annotations

import torch


def mse_per_image(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each image pair, shape N."""
    return (a.float() - b.float()).pow(2).flatten(1).mean(dim=1)


def psnr_per_image(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB (peak 1.0) of each image pair, shape N."""
    return 10.0 * torch.log10(1.0 / mse_per_image(a, b).clamp_min(eps))
