"""Batched inference: images → codes → images, without gradients."""

from __future__ import annotations

import torch

from explorer.data import to_float
from explorer.models import AutoEncoder


def _device(model: AutoEncoder) -> torch.device:
    return next(model.parameters()).device


def _as_input(images: torch.Tensor) -> torch.Tensor:
    return to_float(images) if images.dtype == torch.uint8 else images


@torch.no_grad()
def encode(model: AutoEncoder, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Codes (N×d, on the CPU) of uint8 or float images; the VAE gives its mean μ."""
    device = _device(model)
    parts = [model.encode(_as_input(images[i : i + batch_size]).to(device)).cpu() for i in range(0, len(images), batch_size)]
    return torch.cat(parts) if parts else torch.empty(0, model.config.latent_dim)


@torch.no_grad()
def decode(model: AutoEncoder, z: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images (N×1×28×28 in [0, 1], on the CPU) decoded from codes."""
    device = _device(model)
    parts = [model.decode(z[i : i + batch_size].to(device, torch.float32)).cpu() for i in range(0, len(z), batch_size)]
    return torch.cat(parts) if parts else torch.empty(0, 1, 28, 28)


@torch.no_grad()
def reconstruct(model: AutoEncoder, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    return decode(model, encode(model, images, batch_size), batch_size)
