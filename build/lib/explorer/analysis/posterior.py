"""The survey's Figure 7 in numbers: posteriors, their aggregate, and how far each is from the prior.

The VAE's KL term pulls every posterior Q(Z|X=x) = N(μ(x), diag σ²(x)) towards the prior
P_Z = N(0, I); the WAE's MMD term pulls only their mixture, the aggregate posterior
Q_Z = E_x Q(Z|X=x) (Tolstikhin et al. 2018, fig. 1; Bank et al. 2020, fig. 7). These are
plain functions on arrays: the page draws what they return.
"""

from __future__ import annotations

import numpy as np

# A dimension whose average KL to the prior is below this carries no information about x:
# the encoder left it at the prior ("posterior collapse"). 0.01 nats, as Burda et al. (2016)
# count active units with a threshold of 0.01.
ACTIVE_KL_NATS = 0.01


def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Mean over the rows of KL(N(μ_j, σ_j²) ‖ N(0, 1)) for each dimension j (Kingma & Welling 2014, app. B)."""
    mu, logvar = np.asarray(mu, dtype=np.float64), np.asarray(logvar, dtype=np.float64)
    return (0.5 * (mu**2 + np.exp(logvar) - 1.0 - logvar)).mean(axis=0)


def active_dimensions(kl: np.ndarray, threshold: float = ACTIVE_KL_NATS) -> np.ndarray:
    """The dimensions whose KL to the prior is at least ``threshold`` nats."""
    return np.flatnonzero(np.asarray(kl) >= threshold)


def aggregate_moments(mu: np.ndarray, var: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the aggregate posterior, the mixture of N(μ_i, diag var_i) over the rows.

    By the law of total covariance: Cov = E[diag var] + Cov(μ). With ``var`` None the rows are
    points (a deterministic encoder, as the WAE's): their mean and covariance.
    """
    mu = np.asarray(mu, dtype=np.float64)
    mean = mu.mean(axis=0)
    centred = mu - mean
    covariance = centred.T @ centred / len(mu)
    if var is not None:
        covariance = covariance + np.diag(np.asarray(var, dtype=np.float64).mean(axis=0))
    return mean, covariance


def gaussian_kl_to_prior(mean: np.ndarray, covariance: np.ndarray) -> float:
    """KL(N(m, C) ‖ N(0, I)) = ½ (tr C + mᵀm − d − log det C)."""
    mean, covariance = np.asarray(mean, dtype=np.float64), np.asarray(covariance, dtype=np.float64)
    sign, logdet = np.linalg.slogdet(covariance)
    if sign <= 0:
        return float("inf")
    return float(0.5 * (np.trace(covariance) + mean @ mean - len(mean) - logdet))


def ellipse(mean: np.ndarray, var: np.ndarray, n_sigma: float = 1.0, points: int = 48) -> np.ndarray:
    """The ``n_sigma`` contour of N(mean, diag var) in 2-D, as ``points`` + 1 (x, y) rows (closed)."""
    angle = np.linspace(0.0, 2.0 * np.pi, points + 1)
    radius = n_sigma * np.sqrt(np.asarray(var, dtype=np.float64))
    return np.stack([mean[0] + radius[0] * np.cos(angle), mean[1] + radius[1] * np.sin(angle)], axis=1)


def ellipse_paths(means: np.ndarray, variances: np.ndarray, n_sigma: float = 1.0, points: int = 24) -> np.ndarray:
    """Many ellipses as one polyline, separated by NaN rows (one trace draws them all)."""
    rows = []
    for mean, var in zip(np.asarray(means), np.asarray(variances)):
        rows.append(ellipse(mean, var, n_sigma, points))
        rows.append(np.full((1, 2), np.nan))
    return np.concatenate(rows) if rows else np.empty((0, 2))


def mixture_density(grid_x: np.ndarray, grid_y: np.ndarray, means: np.ndarray, variances: np.ndarray,
                    chunk: int = 512) -> np.ndarray:
    """Density on the grid (len(grid_y) × len(grid_x)) of the equal-weight mixture of N(mean_i, diag var_i) in 2-D."""
    gx, gy = np.meshgrid(np.asarray(grid_x, dtype=np.float64), np.asarray(grid_y, dtype=np.float64))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    means, variances = np.asarray(means, dtype=np.float64), np.asarray(variances, dtype=np.float64)
    density = np.zeros(len(points))
    for start in range(0, len(means), chunk):  # bounded memory: grid × chunk at a time
        m, v = means[start : start + chunk], variances[start : start + chunk]
        d2 = ((points[:, None, :] - m[None, :, :]) ** 2 / v[None, :, :]).sum(axis=2)
        density += (np.exp(-0.5 * d2) / (2.0 * np.pi * np.sqrt(v.prod(axis=1)))[None, :]).sum(axis=1)
    return (density / len(means)).reshape(gx.shape)


def kde_bandwidth(points: np.ndarray) -> float:
    """Scott's rule for a 2-D Gaussian kernel density estimate: σ·n^(−1/6), σ the mean spread of the axes."""
    points = np.asarray(points, dtype=np.float64)
    return float(points.std(axis=0).mean() * len(points) ** (-1.0 / 6.0))


def density_levels(density: np.ndarray, cell_area: float, masses=(0.25, 0.5, 0.75, 0.95)) -> list[float]:
    """The density values whose contours enclose each probability mass (highest-density regions).

    Equally spaced levels show only the peaks of a spiky density (many narrow posteriors); these
    show where 25 %, 50 %, … of the mass lies, comparable between the prior and any aggregate.
    """
    values = np.sort(np.asarray(density, dtype=np.float64).ravel())[::-1]
    mass = np.cumsum(values) * cell_area
    mass /= mass[-1]  # what lies outside the grid is left out, equally for every density
    return [float(values[min(np.searchsorted(mass, m), len(values) - 1)]) for m in masses]
