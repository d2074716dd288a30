"""Batched inference: images → codes → images, without gradients."""

from __future__ import annotations

import torch

from explorer.data.datasets import to_float
from explorer.models.nets import AutoEncoder


def _device(model: AutoEncoder) -> torch.device:
    return next(model.parameters()).device


def _as_input(images) -> torch.Tensor:
    images = torch.as_tensor(images)  # a numpy array too
    return to_float(images) if images.dtype == torch.uint8 else images


@torch.no_grad()
def encode(model: AutoEncoder, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Codes (N×d, on the CPU) of uint8 or float images; the VAE gives its mean μ."""
    device = _device(model)
    parts = [model.encode(_as_input(images[i : i + batch_size]).to(device)).cpu() for i in range(0, len(images), batch_size)]
    return torch.cat(parts) if parts else torch.empty(0, model.config.latent_dim)


@torch.no_grad()
def encode_posterior(model: AutoEncoder, images: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """μ and log σ² (each N×d, on the CPU) of a Gaussian encoder's posteriors q(z|x)."""
    device = _device(model)
    parts = [model.encode_distribution(_as_input(images[i : i + batch_size]).to(device))
             for i in range(0, len(images), batch_size)]
    return torch.cat([mu.cpu() for mu, _ in parts]), torch.cat([logvar.cpu() for _, logvar in parts])


@torch.no_grad()
def decode(model: AutoEncoder, z: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images (N×C×H×W in [0, 1], on the CPU) decoded from codes."""
    device, z = _device(model), torch.as_tensor(z)
    parts = [model.decode(z[i : i + batch_size].to(device, torch.float32)).cpu() for i in range(0, len(z), batch_size)]
    return torch.cat(parts) if parts else torch.empty(0, *model.config.image_shape)


@torch.no_grad()
def reconstruct(model: AutoEncoder, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    return decode(model, encode(model, images, batch_size), batch_size)


# --- paths and sweeps through the latent space --------------------------------------


def lerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Straight-line points (1 − t)·a + t·b for each t (T), shape T×d."""
    t = t.reshape(-1, 1).to(z_a.dtype)
    return (1 - t) * z_a.reshape(1, -1) + t * z_b.reshape(1, -1)


def slerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for generative models), shape T×d.

    Follows the great circle between the directions of a and b while the norm goes
    linearly from ‖a‖ to ‖b‖, so equal-norm endpoints keep their norm all the way;
    falls back to lerp when a and b are (anti)parallel or zero.
    """
    a, b = z_a.reshape(-1).double(), z_b.reshape(-1).double()
    t = t.reshape(-1, 1).double()
    na, nb = a.norm(), b.norm()
    if na < eps or nb < eps:
        return lerp(z_a, z_b, t).to(z_a.dtype)
    ua, ub = a / na, b / nb
    omega = torch.arccos((ua * ub).sum().clamp(-1.0, 1.0))
    if torch.sin(omega).abs() < 1e-4:
        return lerp(z_a, z_b, t).to(z_a.dtype)
    direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / torch.sin(omega)
    norm = (1 - t) * na + t * nb
    return (direction * norm).to(z_a.dtype)


INTERPOLATIONS = {"linear": lerp, "spherical": slerp}


def interpolate(z_a: torch.Tensor, z_b: torch.Tensor, steps: int, method: str = "linear") -> torch.Tensor:
    """``steps`` codes from a to b inclusive (steps ≥ 2), by ``linear`` or ``spherical`` interpolation."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {method!r}; choose one of: {', '.join(INTERPOLATIONS)}")
    if steps < 2:
        raise ValueError("an interpolation needs at least 2 steps")
    t = torch.linspace(0.0, 1.0, steps)
    out = INTERPOLATIONS[method](z_a, z_b, t)
    out[0], out[-1] = z_a.reshape(-1), z_b.reshape(-1)  # endpoints exact, whatever the rounding
    return out


def crossfade(x_a: torch.Tensor, x_b: torch.Tensor, steps: int) -> torch.Tensor:
    """The pixel-space blend (1 − t)·A + t·B: what interpolation looks like without a model."""
    t = torch.linspace(0.0, 1.0, steps).reshape(-1, *([1] * x_a.dim()))
    return (1 - t) * x_a.unsqueeze(0) + t * x_b.unsqueeze(0)


def dimensions_by_variance(z: torch.Tensor) -> torch.Tensor:
    """Latent dimensions ordered from the most to the least varied over the codes ``z`` (N×d)."""
    return torch.argsort(z.var(dim=0), descending=True)


def traverse(z0: torch.Tensor, dim: int, values: torch.Tensor) -> torch.Tensor:
    """Copies of ``z0`` with dimension ``dim`` set to each of ``values``, shape V×d."""
    out = z0.reshape(1, -1).repeat(len(values), 1)
    out[:, dim] = values.to(out.dtype)
    return out


def traversal_grid(z0: torch.Tensor, dims: torch.Tensor, centre: torch.Tensor, scale: torch.Tensor,
                   steps: int = 9, span: float = 3.0) -> torch.Tensor:
    """Each of ``dims`` swept over centre ± span·scale (row by row), other dimensions at ``z0``: (len(dims)·steps)×d."""
    offsets = torch.linspace(-span, span, steps)
    rows = [traverse(z0, int(d), centre[d] + offsets * scale[d]) for d in dims]
    return torch.cat(rows) if rows else z0.reshape(1, -1)[:0]


def plane_grid(n: int = 15, lo: float = -3.0, hi: float = 3.0) -> torch.Tensor:
    """An n×n grid of 2-D codes over [lo, hi]², rows from top (high y) to bottom, as in Kingma & Welling's figure."""
    xs = torch.linspace(lo, hi, n)
    ys = torch.linspace(hi, lo, n)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)


# --- what a regulariser does to the codes (the survey's §3) ------------------------------


@torch.no_grad()
def code_sensitivity(model: AutoEncoder, images: torch.Tensor, sigma: float = 0.05, seed: int = 0) -> torch.Tensor:
    """How far each image's code moves when Gaussian noise of ``sigma`` is added to its pixels, as a
    fraction of how far the codes lie from their mean (so models whose codes differ in scale compare):
    ‖f(x + δ) − f(x)‖ / mean‖f(x) − mean f‖. A contractive encoder's is small (survey §3.4)."""
    x = _as_input(images)
    generator = torch.Generator().manual_seed(seed)
    nudged = (x + sigma * torch.randn(x.shape, generator=generator)).clamp_(0.0, 1.0)
    z, z_nudged = encode(model, x), encode(model, nudged)
    spread = (z - z.mean(dim=0)).norm(dim=1).mean().clamp_min(1e-12)
    return (z_nudged - z).norm(dim=1) / spread
