"""Applications: what the codes buy you — few-label classification, clustering, dimensionality
reduction and anomaly detection, every model of the dataset against pixels and PCA."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.applications import ApplicationsUnavailable, accuracy_at, unpack_images
from explorer.data import other_dataset
from explorer.errors import DatasetUnavailable, ExplorerError
from explorer.figures import CLASS_COLOURS
from explorer.i18n import dataset_title, t
from explorer.kinds import KINDS
from webapp import loaders
from webapp.page import PageInput, explain, open_page, show_error
from webapp.widgets import figure, model_label

SHOWN_N = (1, 10, 100)  # labelled images per class in the table (10, 100 and 1,000 labels)
BASELINE_STYLE = {"pixels": "dot", "pca": "dash"}


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


def render(page: PageInput) -> None:
    view = page.view
    figures, missing, baselines = stored_figures(view)
    baseline_features = (baselines or {}).get("features", {})
    if missing:
        compute_panel(missing)
    if not figures and not baseline_features:
        st.info(t("apps.none"))
        return
    rows = feature_rows(figures, baselines)

    st.header(t("apps.classify_heading"))
    st.caption(t("apps.classify_intro"))
    figure(accuracy_figure(rows), "apps_accuracy", "apps_accuracy", config={"displaylogo": False})
    table({t("apps.col_features"): [r[0] for r in rows],
           **{t("apps.col_accuracy", n=n, total=n * len(view.class_names)):
              [percent(accuracy_at(r[2], n)) for r in rows] for n in SHOWN_N}})
    st.caption(t("apps.classify_caption", draws=rows[0][2]["protocol"]["draws"]))

    st.header(t("apps.cluster_heading"))
    st.caption(t("apps.cluster_intro"))
    table({t("apps.col_features"): [r[0] for r in rows],
           t("apps.col_nmi"): [f'{r[2]["clustering"]["nmi"]:.3f}' for r in rows],
           t("apps.col_ari"): [f'{r[2]["clustering"]["ari"]:.3f}' for r in rows],
           t("apps.col_cluster_acc"): [f'{100 * r[2]["clustering"]["accuracy"]:.1f}' for r in rows]})
    chosen = st.selectbox(t("apps.cluster_pick"), range(len(rows)), format_func=lambda i: rows[i][0],
                          key="apps_cluster_features")
    clusters_panel(rows[chosen][2]["clustering"], view.class_names, rows[chosen][0])

    st.header(t("apps.reduce_heading"))
    st.caption(t("apps.reduce_intro"))
    curve, linear = (baselines or {}).get("pca_curve"), (baselines or {}).get("linear_ae")
    figure(reduction_figure(curve, linear, figures), "apps_reduction", "apps_reduction", config={"displaylogo": False})
    if curve:
        pca = dict(zip(curve["dim"], curve["mse"]))
        compared = [(info, f) for info, f in figures.items() if info.latent_dim in pca]
        table({t("apps.col_model"): [model_label(info) for info, _ in compared],
               t("apps.col_model_mse"): [f'{f["reconstruction_mse"]:.4f}' for _, f in compared],
               t("apps.col_pca_mse"): [f"{pca[info.latent_dim]:.4f}" for info, _ in compared],
               t("apps.col_ratio"): [f'{pca[info.latent_dim] / f["reconstruction_mse"]:.2f}' for info, f in compared]})
        st.caption(t("apps.reduce_caption"))
        if linear:
            st.caption(t("apps.linear_caption", points="; ".join(
                t("apps.linear_point", d=d, linear=m, pca=pca[d], gap=100 * (m / pca[d] - 1))
                for d, m in zip(linear["dim"], linear["mse"]) if d in pca)))
    else:
        st.info(t("apps.no_baselines"))

    st.header(t("apps.anomaly_heading"))
    scored = [(info, f["anomaly_auc"]) for info, f in figures.items() if f.get("anomaly_auc") is not None]
    st.caption(t("apps.anomaly_intro", other=dataset_title(other_dataset(view.dataset))))
    if scored:
        table({t("apps.col_model"): [model_label(info) for info, _ in scored],
               t("apps.col_auc"): [f"{auc:.3f}" for _, auc in scored]})
    st.page_link("views/anomaly.py", label=t("apps.anomaly_link"), icon=":material/report:")


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


def clusters_panel(clustering: dict, class_names: list[str], label: str) -> None:
    table = np.asarray(clustering["contingency"])
    clusters = [t("apps.cluster_name", k=k + 1) for k in range(len(table))]
    left, right = st.columns([3, 2])
    heat = go.Figure(go.Heatmap(z=table, x=class_names, y=clusters, colorscale="Blues",
                                hovertemplate=t("apps.contingency_hover")))
    heat.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=t("apps.contingency", label=label),
                       yaxis_autorange="reversed", xaxis_title=t("apps.axis_class"),
                       xaxis={"type": "category", "dtick": 1}, yaxis={"type": "category"})
    with left:
        figure(heat, "apps_contingency", "apps_contingency", config={"displaylogo": False})
    with right:
        st.markdown(t("apps.centres"))
        centres = unpack_images(clustering["centres"])
        majority = table.argmax(axis=1)
        st.image(list(centres), width=64, caption=[t("apps.centre_caption", k=k + 1, label=class_names[c])
                                                   for k, c in enumerate(majority)])


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


def compute_panel(missing) -> None:
    """Models with no stored figures: say which, and measure them here on request, with progress."""
    st.info(t("apps.missing", models=", ".join(model_label(info) for info in missing)), icon=":material/info:")
    if not st.button(t("apps.compute", n=len(missing)), key="apps_compute"):
        return
    bar = st.progress(0.0)
    for k, info in enumerate(missing):
        label = model_label(info)
        report = lambda fraction, step, k=k, label=label: bar.progress(
            min(1.0, (k + fraction) / len(missing)), text=t("apps.computing", model=label, step=t(f"apps.step_{step}")))
        try:
            loaders.compute_application_figures(info, report)
        except DatasetUnavailable as err:
            show_error(err, dataset_title(info.dataset))
            return
        except ExplorerError as err:
            show_error(err, label)
    bar.empty()
    st.rerun()


if __name__ == "__main__":
    render(open_page("apps.title", "apps.intro"))
