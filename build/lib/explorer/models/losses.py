"""Divergences shared by the models' losses and the evaluation."""

from __future__ import annotations

import torch

# Scales of the inverse multiquadratic kernel, as in the WAE paper (Tolstikhin et al. 2018).
IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over the latent dimensions."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)


def imq_mmd(z: torch.Tensor, z_prior: torch.Tensor, prior_var: float = 1.0) -> torch.Tensor:
    """Unbiased MMD² between two samples with k(x, y) = Σ_s C_s / (C_s + ‖x − y‖²), C_s = 2·d·σ²·s."""
    n, d = z.shape
    m = z_prior.shape[0]
    if n < 2 or m < 2:
        raise ValueError("MMD needs at least two points in each sample")
    zz = torch.cdist(z, z).pow(2)
    pp = torch.cdist(z_prior, z_prior).pow(2)
    zp = torch.cdist(z, z_prior).pow(2)
    total = z.new_zeros(())
    for scale in IMQ_SCALES:
        c = 2.0 * d * prior_var * scale
        k_zz, k_pp, k_zp = c / (c + zz), c / (c + pp), c / (c + zp)
        total = total + (k_zz.sum() - k_zz.diagonal().sum()) / (n * (n - 1))
        total = total + (k_pp.sum() - k_pp.diagonal().sum()) / (m * (m - 1))
        total = total - 2.0 * k_zp.mean()
    return total
