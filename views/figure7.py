"""The survey's Figure 7, drawn from the real models: the VAE pulls every posterior to the prior,
the WAE only their mixture."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.catalog import ModelInfo, siblings
from explorer.data import to_float
from explorer.figures import CLASS_COLOURS
from explorer.i18n import t
from explorer.images import pictures
from explorer.kinds import KINDS
from explorer.latent import reconstruct
from explorer.losses import imq_mmd
from explorer.posterior import (
    ACTIVE_KL_NATS,
    active_dimensions,
    aggregate_moments,
    density_levels,
    ellipse_paths,
    gaussian_kl_to_prior,
    kde_bandwidth,
    kl_per_dimension,
    mixture_density,
)
from explorer.samplers import NormalSampler
from webapp import loaders
from webapp.page import PageInput, model_or_error, open_page
from webapp.widgets import figure, image_picker, model_label

GRID = np.linspace(-4.0, 4.0, 81)
MMD_POINTS = 2000  # codes in the MMD estimate (its cost grows with the square)


def generative_models(view, latent_dim: int) -> list[ModelInfo]:
    """The models of the kinds trained towards the prior (VAE, WAE) at ``latent_dim``, in the registry's order."""
    by_name = {m.name: m for m in view.models}
    names = [f"{kind.name}-z{latent_dim}" for kind in KINDS.values() if kind.prior_generative]
    return [by_name[name] for name in names if name in by_name]


@st.cache_data(show_spinner=False, max_entries=16)
def aggregate_density(identity: tuple, _info: ModelInfo) -> np.ndarray:
    """The aggregate posterior's density on GRID, over every test image: the mixture of the
    posteriors (VAE), or a Gaussian kernel density of the codes (WAE)."""
    if KINDS[_info.kind].posterior_variance:
        mu, logvar = loaders.test_posteriors(_info)
        return mixture_density(GRID, GRID, mu, np.exp(logvar))
    codes = loaders.test_codes(_info)
    return mixture_density(GRID, GRID, codes, np.full(codes.shape, kde_bandwidth(codes) ** 2))


def add_regions(fig: go.Figure, density: np.ndarray, name: str, colour: str, dash: str = "solid") -> None:
    """Contours enclosing 25, 50, 75 and 95 % of a density's mass (one legend entry for all four)."""
    cell = float(GRID[1] - GRID[0]) ** 2
    for k, level in enumerate(density_levels(density, cell)):
        fig.add_trace(go.Contour(x=GRID, y=GRID, z=density, contours={"start": level, "end": level, "size": 1.0,
                                                                      "coloring": "lines"},
                                 showscale=False, colorscale=[[0, colour], [1, colour]],
                                 line={"width": 1.5, "dash": dash}, name=name, legendgroup=name,
                                 showlegend=k == 0, hoverinfo="skip"))


def plane_figure(info: ModelInfo, labels: np.ndarray, class_names: list[str], shown: np.ndarray, chosen: int,
                 n_sigma: float) -> tuple[go.Figure, dict]:
    """Prior contours, the posteriors (ellipses) or codes (points) by class, the aggregate's density."""
    fig = go.Figure()
    prior = mixture_density(GRID, GRID, np.zeros((1, 2)), np.ones((1, 2)))
    add_regions(fig, prior, t("fig7.prior"), "#888888", dash="dot")
    has_variance = KINDS[info.kind].posterior_variance
    if has_variance:
        mu, logvar = loaders.test_posteriors(info)
        var = np.exp(logvar)
    else:
        mu = loaders.test_codes(info)
        var = None
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
            fig.add_trace(go.Scattergl(x=mu[rows, 0], y=mu[rows, 1], mode="markers", name=name, hoverinfo="skip",
                                       marker={"color": colour, "size": 4, "opacity": 0.7}))
    add_regions(fig, aggregate_density(info.identity, info), t("fig7.aggregate"), "#1f4e99")
    if has_variance:
        mark = ellipse_paths(mu[[chosen]], var[[chosen]], n_sigma=n_sigma)
        fig.add_trace(go.Scatter(x=mark[:, 0], y=mark[:, 1], mode="lines", name=t("fig7.chosen"),
                                 line={"color": "black", "width": 3}))
    fig.add_trace(go.Scatter(x=mu[[chosen], 0], y=mu[[chosen], 1], mode="markers", name=t("fig7.chosen"),
                             showlegend=not has_variance, marker={"color": "black", "size": 11, "symbol": "x"}))
    fig.update_layout(title=model_label(info), height=520, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      plot_bgcolor="white", legend={"itemsizing": "constant"})
    fig.update_xaxes(range=[GRID[0], GRID[-1]], zeroline=False, showgrid=False)
    fig.update_yaxes(range=[GRID[0], GRID[-1]], zeroline=False, showgrid=False, scaleanchor="x", scaleratio=1)

    sample = np.random.default_rng(0).choice(len(mu), min(MMD_POINTS, len(mu)), replace=False)
    mean, covariance = aggregate_moments(mu, var)
    figures = {
        t("fig7.col_model"): model_label(info),
        t("fig7.col_kl"): (t("fig7.value", value=float(kl_per_dimension(mu, logvar).sum())) if has_variance
                           else t("fig7.not_applicable")),
        t("fig7.col_mmd"): t("fig7.value", value=float(imq_mmd(
            torch.from_numpy(np.asarray(mu[sample], dtype=np.float32)),
            NormalSampler(mu.shape[1]).sample(len(sample), seed=0)))),
        t("fig7.col_mean"): t("fig7.vector", values=", ".join(f"{v:+.2f}" for v in mean)),
        t("fig7.col_cov"): t("fig7.matrix", a=covariance[0, 0], b=covariance[0, 1], d=covariance[1, 1]),
        t("fig7.col_gauss_kl"): t("fig7.value", value=gaussian_kl_to_prior(mean, covariance)),
    }
    return fig, figures


def dimensions_section(view, latent_dim: int) -> None:
    """Per-dimension KL of the VAE, and every model's code mean ± sd against the prior's 0 ± 1."""
    vaes = [m for m in generative_models(view, latent_dim) if KINDS[m.kind].posterior_variance]
    compared = siblings(view.models, vaes[0]) if vaes else []
    if not compared:
        st.info(t("fig7.no_latent16", latent=latent_dim))
        return
    vae = vaes[0]
    if model_or_error(vae) is not None:
        mu, logvar = loaders.test_posteriors(vae)
        kl = kl_per_dimension(mu, logvar)
        active = set(active_dimensions(kl).tolist())
        bars = go.Figure(go.Bar(x=[t("fig7.dim", dim=d) for d in range(len(kl))], y=kl,
                                marker={"color": ["#4e79a7" if d in active else "#bab0ac" for d in range(len(kl))]},
                                hovertemplate=t("fig7.kl_hover")))
        bars.add_hline(y=ACTIVE_KL_NATS, line_dash="dot", line_color="grey")
        bars.update_layout(title=t("fig7.kl_title", model=model_label(vae)), height=320, yaxis_title=t("fig7.kl_axis"),
                           margin={"l": 10, "r": 10, "t": 40, "b": 10})
        figure(bars, "fig7_kl", "fig7_kl", config={"displaylogo": False})
        st.caption(t("fig7.kl_caption", active=len(active), total=len(kl), threshold=ACTIVE_KL_NATS))
    spread = go.Figure()
    spread.add_hrect(y0=-1, y1=1, fillcolor="#dddddd", opacity=0.5, line_width=0)
    for k, info in enumerate(compared):
        if model_or_error(info) is None:
            continue
        codes = loaders.test_codes(info)
        x = np.arange(codes.shape[1]) + (k - (len(compared) - 1) / 2) * 0.2
        spread.add_trace(go.Scatter(x=x, y=codes.mean(axis=0), mode="markers", name=model_label(info),
                                    error_y={"type": "data", "array": codes.std(axis=0)},
                                    hovertemplate=t("fig7.spread_hover")))
    spread.update_layout(title=t("fig7.spread_title"), height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         xaxis_title=t("fig7.dim_axis"), yaxis_title=t("fig7.code_axis"))
    figure(spread, "fig7_spread", "fig7_spread", config={"displaylogo": False})
    st.caption(t("fig7.spread_caption"))


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels
    models = generative_models(view, latent_dim=2)
    st.subheader(t("fig7.plane_title"))
    if not models:
        st.info(t("fig7.no_plane"))
    else:
        left, right = st.columns([1, 2])
        with left:
            chosen = image_picker(t("fig7.image"), "fig7_img", images, labels, view.class_names, default=0)
        with right:
            n_shown = st.slider(t("fig7.n_shown"), 50, 1000, 300, 50, key="fig7_n")
            n_sigma = st.radio(t("fig7.n_sigma"), [1.0, 2.0], horizontal=True, key="fig7_sigma",
                               format_func=lambda s: t("fig7.sigma", n=s))
        shown = np.sort(np.random.default_rng(0).choice(len(images), min(n_shown, len(images)), replace=False))
        table = []
        for column, info in zip(st.columns(len(models)), models):
            with column:
                model = model_or_error(info)
                if model is None:
                    continue
                fig, figures = plane_figure(info, labels, view.class_names, shown, chosen, n_sigma)
                figure(fig, f"fig7_{info.name}", f"fig7_{info.name}", config={"displaylogo": False})
                st.caption(t(f"fig7.reads_{info.kind}"))
                recon = reconstruct(model, to_float(torch.from_numpy(np.array(images[[chosen]]))))
                st.image([images[chosen], pictures(recon)[0]], width=84,
                         caption=[t("map.original", index=chosen, label=view.class_names[int(labels[chosen])]),
                                  t("fig7.reconstruction", model=model_label(info))])
                table.append(figures)
        if table:
            st.dataframe(table, hide_index=True)
            st.caption(t("fig7.table_caption", n=len(images)))
    st.subheader(t("fig7.dims_title"))
    dimensions_section(view, latent_dim=16)


if __name__ == "__main__":
    render(open_page("fig7.title", "fig7.intro"))
