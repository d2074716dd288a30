"""The figures more than one page draws (the pages and the tour's steps): built here, never in another page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.analysis.denoise import quality
from explorer.analysis.latent import reconstruct
from explorer.analysis.posterior import aggregate_moments, ellipse_paths, gaussian_kl_to_prior, kl_per_dimension
from explorer.data.corrupt import corrupt
from explorer.data.datasets import to_float
from explorer.data.images import grid
from explorer.errors import ApplicationsUnavailable
from explorer.models.kinds import KINDS
from explorer.present.figures import CLASS_COLOURS, prior_contours
from explorer.present.i18n import dataset_title, t
from explorer.store.catalog import ModelInfo
from explorer.store.precomputed import has_posterior_variance
from explorer_app import loaders
from explorer_app.page import explain, show_error
from explorer_app.widgets import model_label

BASELINE_STYLE = {"pixels": "dot", "pca": "dash"}  # the baselines' lines in the applications' charts

# --- Figure 7: the prior, the posteriors and their aggregate in a 2-D latent space ----------------


def generative_models(view, latent_dim: int) -> list[ModelInfo]:
    """The models of the kinds trained towards the prior (VAE, WAE, AAE) at ``latent_dim``, in the registry's order."""
    by_name = {m.name: m for m in view.models}
    names = [f"{kind.name}-z{latent_dim}" for kind in KINDS.values() if kind.prior_generative]
    return [by_name[name] for name in names if name in by_name]


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
                path = ellipse_paths(mu[rows], var[rows], n_sigma=n_sigma, points=16).astype(np.float32)  # half the bytes
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


# --- the applications: stored figures, their tables and charts (the Applications page, the tour) --------


def table(columns: dict) -> None:
    """A plain table of every row: a dozen rows need no sorting or scrolling, and an HTML table
    costs the browser a fraction of an interactive grid (four of them on this page)."""
    st.table(columns, border="horizontal", hide_index=True)


def baseline_label(name: str) -> str:
    return t("apps.pixels") if name == "pixels" else t("apps.pca", d=name.split("-", 1)[1])


def kind_colour(kind: str) -> str:
    return CLASS_COLOURS[list(KINDS).index(kind) % len(CLASS_COLOURS)] if kind in KINDS else "#555555"


def percent(pair) -> str:
    return "–" if pair is None else f"{100 * pair[0]:.1f} ± {100 * pair[1]:.1f}"


def stored_figures(view) -> tuple[dict, list, dict | None]:
    """The models' stored application figures, the models without any, and the dataset's baselines;
    a damaged file is said and left out."""
    figures, missing = {}, []
    for info in view.models:
        try:
            stored = loaders.application_figures(info)
        except ApplicationsUnavailable as err:
            st.warning(explain(err, model_label(info)), icon=":material/warning:")
            stored = None
        if stored is None:
            missing.append(info)
        else:
            figures[info] = stored
    try:
        baselines = loaders.baselines(view.dataset)
    except ApplicationsUnavailable as err:
        show_error(err, dataset_title(view.dataset))
        baselines = None
    return figures, missing, baselines


def feature_rows(figures: dict, baselines: dict | None) -> list[tuple]:
    """(label, kind, figures) for every model and baseline (pixels, PCA) that has figures."""
    rows = [(model_label(info), info.kind, f) for info, f in figures.items()]
    return rows + [(baseline_label(name), name.split("-")[0], f) for name, f in (baselines or {}).get("features", {}).items()]


def accuracy_figure(rows) -> go.Figure:
    fig = go.Figure()
    largest = max((f.get("latent_dim") or 0 for _, kind, f in rows if kind not in BASELINE_STYLE), default=0)
    for label, kind, f in rows:
        few = f["few_labels"]
        accuracy = np.asarray(few["accuracy"], dtype=float)
        if kind in BASELINE_STYLE:
            style = {"line": {"dash": BASELINE_STYLE[kind], "color": "#444444"}}
        else:  # colour by kind; the smaller codes thinner, with open markers
            small = (f.get("latent_dim") or 0) < largest
            style = {"line": {"color": kind_colour(kind), "width": 1.5 if small else 2.5},
                     "marker": {"symbol": "circle-open" if small else "circle", "size": 7}}
        fig.add_trace(go.Scatter(
            x=few["n"], y=accuracy.mean(axis=1), error_y={"type": "data", "array": accuracy.std(axis=1)},
            mode="lines+markers", name=label, hovertemplate=t("apps.accuracy_hover", label=label), **style))
    fig.update_layout(height=460, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_type="log",
                      xaxis_title=t("apps.axis_labels"), yaxis_title=t("apps.axis_accuracy"), yaxis_range=[0, 1])
    return fig


def reduction_figure(curve: dict | None, linear: dict | None, figures: dict) -> go.Figure:
    fig = go.Figure()
    if curve:
        fig.add_trace(go.Scatter(x=curve["dim"], y=curve["mse"], mode="lines", name=t("apps.pca_curve"),
                                 line={"color": "#444444"}, hovertemplate=t("apps.mse_hover")))
    if linear:
        fig.add_trace(go.Scatter(x=linear["dim"], y=linear["mse"], mode="markers", name=t("apps.linear_ae"),
                                 marker={"symbol": "diamond-open", "size": 13, "color": "#444444", "line": {"width": 2}},
                                 hovertemplate=t("apps.mse_hover")))
    for kind in KINDS:
        points = [(info, f) for info, f in figures.items() if info.kind == kind]
        if points:
            fig.add_trace(go.Scatter(
                x=[info.latent_dim for info, _ in points], y=[f["reconstruction_mse"] for _, f in points],
                mode="markers", name=t(KINDS[kind].title_key), text=[model_label(info) for info, _ in points],
                marker={"size": 11, "color": kind_colour(kind)}, hovertemplate=t("apps.model_mse_hover")))
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title=t("apps.axis_dim"),
                      yaxis_title=t("apps.axis_mse"), yaxis_type="log")
    return fig


# --- the survey's figure 2: denoising (the denoising lab, the tour) ---------------------------------


def denoising_rows(images: np.ndarray, indices: list[int], kind: str, level: float, seed: int, denoiser, plain) -> None:
    """The survey's figure 2: the clean images, their corrupted input, and what the denoising AE and the
    plain AE make of it, with PSNR and SSIM; ``denoiser`` and ``plain`` are (ModelInfo, model)."""
    dae_info, dae = denoiser
    ae_info, ae = plain
    clean = to_float(torch.from_numpy(np.array(images[indices])))
    noisy = corrupt(clean, kind, level, seed=seed)
    rows = [(t("denoise.clean"), clean), (t("denoise.corrupted"), noisy),
            (model_label(dae_info), reconstruct(dae, noisy)),
            (model_label(ae_info), reconstruct(ae, noisy))]

    corrupted_quality = quality(noisy, clean)
    for (title, out), column in zip(rows[1:], st.columns(3)):
        q = quality(out, clean)
        gain = None if out is noisy else t("denoise.gain", db=q["psnr"].mean() - corrupted_quality["psnr"].mean())
        column.metric(title, t("denoise.psnr_value", db=q["psnr"].mean()), gain)
        column.caption(t("denoise.ssim_mean", ssim=q["ssim"].mean().item()))
    # each row one picture, its images' figures in the caption: a few pictures, not dozens, for the browser
    for title, out in rows:
        st.markdown(t("page.model_heading", model=title))
        if out is clean:
            items = [t("figure.clean_caption", index=i) for i in indices]
        else:
            q = quality(out, clean)
            items = [t("denoise.caption", psnr=p, ssim=s) for p, s in zip(q["psnr"].tolist(), q["ssim"].tolist())]
        described = t("list.left_to_right", items=t("list.separator").join(items))
        st.image(grid(out, ncols=len(indices), pad=4), width=84 * len(indices), caption=described, alt=described)
