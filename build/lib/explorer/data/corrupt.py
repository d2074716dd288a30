"""Input corruptions: the denoising autoencoder's training noise and the denoising lab's.

Each takes images in [0, 1] (any shape), a level and an optional ``torch.Generator``
for repeatable pictures, and returns a new tensor in [0, 1]. Level 0 is the identity.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def gaussian(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Additive N(0, level²) noise, clipped back to [0, 1]."""
    noise = torch.randn(x.shape, generator=generator, device="cpu").to(x.device)
    return (x + level * noise).clamp_(0.0, 1.0)


def salt_and_pepper(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fraction ``level`` of the pixels set to 0 or 1 (half each)."""
    u = torch.rand(x.shape, generator=generator, device="cpu").to(x.device)
    out = x.clone()
    out[u < level / 2] = 0.0
    out[(u >= level / 2) & (u < level)] = 1.0
    return out


def masking(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Occlusion: a fraction ``level`` of the pixels dropped to 0 (masking noise, Vincent et al. 2008)."""
    keep = torch.rand(x.shape, generator=generator, device="cpu").to(x.device) >= level
    return x * keep


CORRUPTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "gaussian": gaussian,
    "salt-and-pepper": salt_and_pepper,
    "masking": masking,
}


def corrupt(x: torch.Tensor, kind: str, level: float, seed: int | None = None) -> torch.Tensor:
    """Apply the corruption ``kind`` at ``level``; a seed makes the noise repeatable."""
    if kind not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {kind!r}; choose one of: {', '.join(CORRUPTIONS)}")
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"corruption level must lie in [0, 1], not {level}")
    if level == 0:
        return x.clone()
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    return CORRUPTIONS[kind](x, level, generator)
