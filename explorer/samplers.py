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
    def fit(cls, z: np.ndarray, n_components: int = 10, seed: int = 0) -> "GaussianMixtureSampler":
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
    def load(cls, path: Path) -> "GaussianMixtureSampler":
        with np.load(path, allow_pickle=False) as npz:
            return cls(weights=npz["weights"], means=npz["means"], covariances=npz["covariances"])
