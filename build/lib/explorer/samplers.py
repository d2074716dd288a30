"""Samplers of latent codes, separate from the models (as in pythae).

``NormalSampler`` draws from the prior N(0, T²·I). ``GaussianMixtureSampler`` is the
ex-post density estimate of Ghosh et al. (2020): a 10-component Gaussian mixture fitted
to the training codes, which turns even a plain autoencoder into a usable generator.
Both are seeded, so a presenter gets the same grid twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.errors import MixtureUnavailable
from explorer.store.npz import read_npz

GMM_FILE = "gmm.npz"


@dataclass
class NormalSampler:
    latent_dim: int

    def sample(self, n: int, seed: int = 0, temperature: float = 1.0) -> torch.Tensor:
        g = torch.Generator().manual_seed(int(seed))
        return temperature * torch.randn(n, self.latent_dim, generator=g)


@dataclass
class GaussianMixtureSampler:
    weights: np.ndarray  # K
    means: np.ndarray  # K×d
    covariances: np.ndarray  # K×d×d (full)

    @classmethod
    def fit(cls, z: np.ndarray, n_components: int = 10, seed: int = 0) -> GaussianMixtureSampler:
        from sklearn.mixture import GaussianMixture

        gmm = GaussianMixture(n_components=min(n_components, len(z)), covariance_type="full", random_state=seed,
                              reg_covar=1e-4, max_iter=200)
        gmm.fit(np.asarray(z, dtype=np.float64))
        return cls(weights=gmm.weights_, means=gmm.means_, covariances=gmm.covariances_)

    @property
    def latent_dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, seed: int = 0, temperature: float = 1.0) -> torch.Tensor:
        """Codes from the mixture; ``temperature`` scales each component's spread."""
        rng = np.random.default_rng(int(seed))
        components = rng.choice(len(self.weights), size=n, p=self.weights / self.weights.sum())
        out = np.empty((n, self.latent_dim))
        for k in np.unique(components):
            rows = components == k
            out[rows] = rng.multivariate_normal(self.means[k], (temperature**2) * self.covariances[k], size=rows.sum())
        return torch.from_numpy(out).float()

    def save(self, path: Path) -> Path:
        path = Path(path)
        tmp = path.with_name(f".{path.stem}.part.npz")
        np.savez(tmp, weights=self.weights, means=self.means, covariances=self.covariances)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path, latent_dim: int | None = None) -> GaussianMixtureSampler:
        """The mixture saved at ``path``, checked; any fault is a MixtureUnavailable naming it.

        Checked: K weights ≥ 0 with a positive sum, K×d means, K×d×d symmetric positive
        semi-definite covariances, all finite, and d = ``latent_dim`` when given. A mixture
        that fails any of these would sample garbage or raise inside numpy.
        """
        arrays = read_npz(Path(path), ("weights", "means", "covariances"), MixtureUnavailable)
        weights, means, covariances = (arrays[k] for k in ("weights", "means", "covariances"))
        if not all(np.issubdtype(a.dtype, np.number) and not np.iscomplexobj(a) for a in (weights, means, covariances)):
            raise MixtureUnavailable("holds arrays that are not real numbers", path, key="reason.not_numbers")
        if weights.ndim != 1 or len(weights) == 0 or means.ndim != 2 or means.shape[0] != len(weights):
            raise MixtureUnavailable(f"holds {weights.shape} weights and {means.shape} means, not K and K×d", path,
                                     key="reason.shape")
        k, d = means.shape
        if covariances.shape != (k, d, d):
            raise MixtureUnavailable(f"holds covariances of shape {covariances.shape}, not {(k, d, d)}", path,
                                     key="reason.shape")
        if latent_dim is not None and d != latent_dim:
            raise MixtureUnavailable(f"is a mixture over {d}-D codes; the model's codes are {latent_dim}-D", path,
                                     key="reason.mixture_size", size=d, latent=latent_dim)
        if not all(np.isfinite(a).all() for a in (weights, means, covariances)):
            raise MixtureUnavailable("holds NaN or infinite values", path, key="reason.not_finite")
        if weights.min() < 0 or weights.sum() <= 0:
            raise MixtureUnavailable("has negative weights or weights that sum to zero", path, key="reason.mixture_weights")
        if not np.allclose(covariances, covariances.transpose(0, 2, 1), rtol=1e-5, atol=1e-8):
            raise MixtureUnavailable("has covariances that are not symmetric", path, key="reason.not_symmetric")
        floor = -1e-6 * np.maximum(1.0, np.abs(covariances).max(axis=(1, 2)))
        if (np.linalg.eigvalsh(covariances).min(axis=1) < floor).any():
            raise MixtureUnavailable("has covariances that are not positive semi-definite", path, key="reason.not_psd")
        return cls(weights=weights.astype(np.float64), means=means.astype(np.float64),
                   covariances=covariances.astype(np.float64))
