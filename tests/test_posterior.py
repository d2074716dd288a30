"""Figure 7's geometry and figures, checked against what they must be by hand."""

import numpy as np
import pytest

from explorer.analysis.posterior import (
    ACTIVE_KL_NATS,
    active_dimensions,
    aggregate_moments,
    density_levels,
    ellipse,
    ellipse_paths,
    gaussian_kl_to_prior,
    kde_bandwidth,
    kl_per_dimension,
    mixture_density,
)


def test_the_one_sigma_ellipse_of_the_prior_is_the_unit_circle():
    xy = ellipse(np.zeros(2), np.ones(2), n_sigma=1.0, points=64)
    assert np.allclose(np.hypot(xy[:, 0], xy[:, 1]), 1.0)
    assert np.allclose(xy[0], xy[-1])  # closed


def test_an_ellipse_has_its_axes_at_n_sigma():
    xy = ellipse(np.array([1.0, -2.0]), np.array([4.0, 0.25]), n_sigma=2.0, points=4)
    assert np.allclose(xy[:4], [[5.0, -2.0], [1.0, -1.0], [-3.0, -2.0], [1.0, -3.0]])


def test_ellipse_paths_separate_the_ellipses():
    rows = ellipse_paths(np.zeros((3, 2)), np.ones((3, 2)), points=8)
    assert rows.shape == (3 * 10, 2) and np.isnan(rows[9]).all() and np.isnan(rows[-1]).all()


def test_per_dimension_kl_matches_a_hand_computation():
    mu = np.array([[1.0, 0.0], [-1.0, 0.0]])
    logvar = np.array([[0.0, np.log(0.25)], [0.0, np.log(0.25)]])
    # dimension 0: ½(1 + 1 − 1 − 0) = 0.5; dimension 1: ½(0 + ¼ − 1 − ln ¼) = ½(ln 4 − ¾)
    assert np.allclose(kl_per_dimension(mu, logvar), [0.5, 0.5 * (np.log(4.0) - 0.75)])


def test_collapsed_dimensions_are_not_active():
    kl = np.array([0.0, ACTIVE_KL_NATS / 2, ACTIVE_KL_NATS, 2.0])
    assert active_dimensions(kl).tolist() == [2, 3]


def test_an_aggregate_equal_to_the_prior_has_kl_zero():
    rng = np.random.default_rng(0)
    # posteriors N(μ_i, ½ I) with μ_i ~ N(0, ½ I): their mixture is N(0, I)
    mu = rng.normal(scale=np.sqrt(0.5), size=(200_000, 2))
    mean, covariance = aggregate_moments(mu, np.full_like(mu, 0.5))
    assert np.allclose(mean, 0.0, atol=0.01) and np.allclose(covariance, np.eye(2), atol=0.01)
    assert gaussian_kl_to_prior(mean, covariance) == pytest.approx(0.0, abs=1e-3)
    assert gaussian_kl_to_prior(np.zeros(2), np.eye(2)) == 0.0
    assert gaussian_kl_to_prior(np.array([1.0, 0.0]), np.eye(2)) == pytest.approx(0.5)


def test_points_have_the_moments_of_the_points():
    points = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    mean, covariance = aggregate_moments(points)
    assert np.allclose(mean, [1.0, 1.0]) and np.allclose(covariance, np.eye(2))


def test_the_mixture_density_of_one_standard_normal_is_the_normal_density():
    grid = np.linspace(-3, 3, 7)
    density = mixture_density(grid, grid, np.zeros((1, 2)), np.ones((1, 2)))
    gx, gy = np.meshgrid(grid, grid)
    assert np.allclose(density, np.exp(-0.5 * (gx**2 + gy**2)) / (2 * np.pi))
    wide = np.linspace(-8, 8, 161)  # and it integrates to one, chunked or not
    many = mixture_density(wide, wide, np.random.default_rng(1).normal(size=(700, 2)), np.full((700, 2), 0.3), chunk=64)
    assert many.sum() * 0.1**2 == pytest.approx(1.0, abs=0.01)


def test_the_kde_bandwidth_shrinks_with_more_points():
    rng = np.random.default_rng(2)
    assert kde_bandwidth(rng.normal(size=(10_000, 2))) < kde_bandwidth(rng.normal(size=(100, 2)))


def test_the_prior_s_highest_density_regions_are_circles_of_the_right_radius():
    grid = np.linspace(-6, 6, 241)
    density = mixture_density(grid, grid, np.zeros((1, 2)), np.ones((1, 2)))
    for mass, level in zip((0.5, 0.95), density_levels(density, 0.05**2, masses=(0.5, 0.95))):
        radius = np.sqrt(-2 * np.log(1 - mass))  # P(‖z‖ ≤ r) = 1 − exp(−r²/2) in 2-D
        assert level == pytest.approx(np.exp(-0.5 * radius**2) / (2 * np.pi), rel=0.05)
