"""The figures more than one page draws (the pages and the tour's steps): built here, never in another page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.catalog import ModelInfo
from explorer.figures import CLASS_COLOURS
from explorer.i18n import t
from explorer.kinds import KINDS
from explorer.posterior import aggregate_moments, ellipse_paths, gaussian_kl_to_prior, kl_per_dimension
from explorer.precomputed import HDR_MASSES, has_posterior_variance
from webapp import loaders
from webapp.widgets import model_label

# --- Figure 7: the prior, the posteriors and their aggregate in a 2-D latent space ----------------


def generative_models(view, latent_dim: int) -> list[ModelInfo]:
    """The models of the kinds trained towards the prior (VAE, WAE, AAE) at ``latent_dim``, in the registry's order."""
    by_name = {m.name: m for m in view.models}
    names = [f"{kind.name}-z{latent_dim}" for kind in KINDS.values() if kind.prior_generative]
    return [by_name[name] for name in names if name in by_name]


def prior_contours(points: int = 64) -> np.ndarray:
    """N(0, I)'s highest-density regions in 2-D: circles of radius √(−2 ln(1 − m)) for each mass m, one polyline."""
    angle = np.linspace(0.0, 2.0 * np.pi, points + 1)
    rings = []
    for mass in HDR_MASSES:
        radius = np.sqrt(-2.0 * np.log(1.0 - mass))
        rings += [np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), np.full((1, 2), np.nan)]
    return np.concatenate(rings)


def plane_extent(models: list[ModelInfo]) -> float:
    """One half-width for every panel, so that they compare: the widest of the models' fitted squares."""
    return max(loaders.prior_figures(info)["extent"] for info in models)


def plane_figure(info: ModelInfo, labels: np.ndarray, class_names: list[str], shown: np.ndarray, chosen: int,
                 n_sigma: float, extent: float | None = None, height: int = 460) -> tuple[go.Figure, dict]:
    """Prior and aggregate contours (25/50/75/95 %), the posteriors (ellipses) or codes (points) of ``shown`` by class,
    and the ``chosen`` image's; with the figures of the table under the panels."""
    has_variance = has_posterior_variance(info.kind)
    if has_variance:
        mu, logvar = loaders.test_posteriors(info)
        var = np.exp(logvar)
    else:
        mu, logvar, var = loaders.test_codes(info), None, None
    prior = loaders.prior_figures(info)
    extent = extent or prior["extent"]

    fig = go.Figure()
    ring = prior_contours()
    fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=t("fig7.prior"), hoverinfo="skip",
                             line={"color": "#666666", "width": 1.5, "dash": "dot"}))
    for c, name in enumerate(class_names):
        rows = shown[labels[shown] == c]
        if not len(rows):
            continue
        colour = CLASS_COLOURS[c % len(CLASS_COLOURS)]
        if has_variance:
            path = ellipse_paths(mu[rows], var[rows], n_sigma=n_sigma)
            fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name=name, hoverinfo="skip",
                                     line={"color": colour, "width": 1}, opacity=0.6))
        else:
            fig.add_trace(go.Scatter(x=mu[rows, 0], y=mu[rows, 1], mode="markers", name=name, hoverinfo="skip",
                                     marker={"color": colour, "size": 5, "opacity": 0.75}))
    paths = prior["paths"]
    fig.add_trace(go.Scatter(x=paths[:, 0], y=paths[:, 1], mode="lines", name=t("fig7.aggregate"), hoverinfo="skip",
                             line={"color": "#1f4e99", "width": 2}))
    if has_variance:
        mark = ellipse_paths(mu[[chosen]], var[[chosen]], n_sigma=n_sigma)
        fig.add_trace(go.Scatter(x=mark[:, 0], y=mark[:, 1], mode="lines", name=t("fig7.chosen"),
                                 line={"color": "black", "width": 3}))
    fig.add_trace(go.Scatter(x=mu[[chosen], 0], y=mu[[chosen], 1], mode="markers", name=t("fig7.chosen"),
                             showlegend=not has_variance, marker={"color": "black", "size": 11, "symbol": "x"}))
    fig.update_layout(title=model_label(info), height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      plot_bgcolor="white", font={"size": 13},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.06, "x": 0, "font": {"size": 12},
                              "itemsizing": "constant", "itemwidth": 30, "tracegroupgap": 0})
    fig.update_xaxes(range=[-extent, extent], zeroline=False, showgrid=False, constrain="domain")
    fig.update_yaxes(range=[-extent, extent], zeroline=False, showgrid=False, scaleanchor="x", scaleratio=1,
                     constrain="domain")

    mean, covariance = aggregate_moments(mu, var)
    figures = {
        t("fig7.col_model"): model_label(info),
        t("fig7.col_kl"): (t("fig7.value", value=float(kl_per_dimension(mu, logvar).sum())) if has_variance
                           else t("fig7.not_applicable")),
        t("fig7.col_mmd"): t("fig7.value", value=prior["mmd"]),
        t("fig7.col_mean"): t("fig7.vector", values=", ".join(f"{v:+.2f}" for v in mean)),
        t("fig7.col_cov"): t("fig7.matrix", a=covariance[0, 0], b=covariance[0, 1], d=covariance[1, 1]),
        t("fig7.col_gauss_kl"): t("fig7.value", value=gaussian_kl_to_prior(mean, covariance)),
    }
    return fig, figures
