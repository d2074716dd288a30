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


def plane_figure(models: list[ModelInfo], labels: np.ndarray, class_names: list[str], shown: np.ndarray, chosen: int,
                 n_sigma: float, height: int = 520) -> tuple[go.Figure, list[dict]]:
    """One panel per model, side by side on one range fitted to their codes: the prior's and the aggregate's
    highest-density regions (25/50/75/95 %), the posteriors (ellipses) or codes (points) of ``shown`` by class, and
    the ``chosen`` image's. One legend for all panels (a class hidden there is hidden in each). Returns the figure and,
    per model, the figures of the table under it."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(models), subplot_titles=[model_label(info) for info in models],
                        horizontal_spacing=0.03)
    ring = prior_contours()
    table = []
    for col, info in enumerate(models, start=1):
        first = col == 1
        has_variance = has_posterior_variance(info.kind)
        if has_variance:
            mu, logvar = loaders.test_posteriors(info)
            var = np.exp(logvar)
        else:
            mu, logvar, var = loaders.test_codes(info), None, None
        prior = loaders.prior_figures(info)
        fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=t("fig7.prior"), hoverinfo="skip",
                                 legendgroup="prior", showlegend=first,
                                 line={"color": "#666666", "width": 1.5, "dash": "dot"}), row=1, col=col)
        for c, name in enumerate(class_names):
            rows = shown[labels[shown] == c]
            if not len(rows):
                continue
            style = {"name": name, "legendgroup": f"class{c}", "showlegend": first, "hoverinfo": "skip"}
            colour = CLASS_COLOURS[c % len(CLASS_COLOURS)]
            if has_variance:
                path = ellipse_paths(mu[rows], var[rows], n_sigma=n_sigma, points=16)
                fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", line={"color": colour, "width": 1},
                                         opacity=0.6, **style), row=1, col=col)
            else:
                fig.add_trace(go.Scatter(x=mu[rows, 0], y=mu[rows, 1], mode="markers",
                                         marker={"color": colour, "size": 5, "opacity": 0.75}, **style), row=1, col=col)
        paths = prior["paths"]
        fig.add_trace(go.Scatter(x=paths[:, 0], y=paths[:, 1], mode="lines", name=t("fig7.aggregate"), hoverinfo="skip",
                                 legendgroup="aggregate", showlegend=first, line={"color": "#1f4e99", "width": 2}),
                      row=1, col=col)
        if has_variance:
            mark = ellipse_paths(mu[[chosen]], var[[chosen]], n_sigma=n_sigma)
            fig.add_trace(go.Scatter(x=mark[:, 0], y=mark[:, 1], mode="lines", name=t("fig7.chosen"), hoverinfo="skip",
                                     legendgroup="chosen", showlegend=False, line={"color": "black", "width": 3}),
                          row=1, col=col)
        fig.add_trace(go.Scatter(x=mu[[chosen], 0], y=mu[[chosen], 1], mode="markers", name=t("fig7.chosen"),
                                 legendgroup="chosen", showlegend=first,
                                 marker={"color": "black", "size": 11, "symbol": "x"}), row=1, col=col)
        mean, covariance = aggregate_moments(mu, var)
        table.append({
            t("fig7.col_model"): model_label(info),
            t("fig7.col_kl"): (t("fig7.value", value=float(kl_per_dimension(mu, logvar).sum())) if has_variance
                               else t("fig7.not_applicable")),
            t("fig7.col_mmd"): t("fig7.value", value=prior["mmd"]),
            t("fig7.col_mean"): t("fig7.vector", values=", ".join(f"{v:+.2f}" for v in mean)),
            t("fig7.col_cov"): t("fig7.matrix", a=covariance[0, 0], b=covariance[0, 1], d=covariance[1, 1]),
            t("fig7.col_gauss_kl"): t("fig7.value", value=gaussian_kl_to_prior(mean, covariance)),
        })
    extent = max(loaders.prior_figures(info)["extent"] for info in models)  # one range: the panels compare
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white",
                      font={"size": 13}, legend={"orientation": "h", "yanchor": "top", "y": -0.04, "x": 0,
                                                 "itemsizing": "constant", "font": {"size": 13}})
    fig.update_xaxes(range=[-extent, extent], zeroline=False, showgrid=False, constrain="domain")
    for col in range(1, len(models) + 1):  # each panel square, its y axis tied to its own x axis
        fig.update_yaxes(range=[-extent, extent], zeroline=False, showgrid=False, constrain="domain",
                         scaleanchor=f"x{col if col > 1 else ''}", scaleratio=1, showticklabels=col == 1,
                         row=1, col=col)
    return fig, table
