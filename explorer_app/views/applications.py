"""Applications: what the codes buy you — few-label classification, clustering, dimensionality
reduction and anomaly detection, every model of the dataset against pixels and PCA."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.analysis.applications import accuracy_at, unpack_images
from explorer.data.datasets import other_dataset
from explorer.errors import DatasetUnavailable, ExplorerError
from explorer.present.i18n import dataset_title, t
from explorer_app import loaders, page_script
from explorer_app.page import PageInput, open_page, show_error
from explorer_app.panels import (
    accuracy_figure,
    feature_rows,
    percent,
    reduction_figure,
    stored_figures,
    table,
)
from explorer_app.widgets import figure, model_label

SHOWN_N = (1, 10, 100)  # labelled images per class in the table (10, 100 and 1,000 labels)


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
    st.page_link(page_script("anomaly"), label=t("apps.anomaly_link"), icon=":material/report:")


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
        described = [t("apps.centre_caption", k=k + 1, label=class_names[c]) for k, c in enumerate(majority)]
        st.image(list(centres), width=64, caption=described, alt=described)


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
