"""Quality: the zoo's table for the sidebar's dataset, and the reconstruction / generation trade-off."""

import plotly.graph_objects as go
import streamlit as st

from explorer.metrics.evaluate import N_SAMPLES, quality_rows
from explorer.models.kinds import KINDS
from explorer.present.figures import class_marker
from explorer.present.i18n import t
from explorer_app.page import PageInput, open_page
from explorer_app.widgets import figure, model_label

FIGURES = ("mse", "psnr", "fid_recon", "fid_prior", "fid_gmm")
# The calibration rows explorer.evaluate stores, by their stored names → catalogue keys.
CALIBRATION_LABELS = {"train set vs test set": "quality.cal_train", "test + N(0, 0.1²) noise": "quality.cal_noise_01",
                      "test + N(0, 0.3²) noise": "quality.cal_noise_03"}


def render(page: PageInput) -> None:
    view = page.view
    by_name = {m.name: m for m in view.models}
    rows, calibration = quality_rows(view.dataset)
    measured = [r for r in rows if all(k in r for k in FIGURES) and r["name"] in by_name]
    if not measured:
        st.info(t("quality.none"))
        return
    table = {t("quality.col_model"): [model_label(by_name[r["name"]]) for r in measured]}
    for key in FIGURES:
        table[t(f"quality.col_{key}")] = [round(r[key], 4 if key == "mse" else 2) for r in measured]
    table[t("quality.col_epochs")] = [r["epochs"] for r in measured]
    st.dataframe(table, hide_index=True)
    st.caption(t("quality.table_caption", n=N_SAMPLES))
    if calibration:
        st.markdown(t("quality.calibration_heading"))
        st.dataframe({t("quality.col_reference"): [t(CALIBRATION_LABELS[k]) if k in CALIBRATION_LABELS else k
                                                    for k in calibration],
                      t("quality.col_fid_recon"): [round(v, 2) for v in calibration.values()]}, hide_index=True)
        st.caption(t("quality.calibration_caption"))

    fig = go.Figure()
    for k, kind in enumerate(KINDS):
        points = [r for r in measured if r["kind"] == kind]
        if points:
            fig.add_trace(go.Scatter(
                x=[r["mse"] for r in points], y=[r["fid_prior"] for r in points], mode="markers+text",
                name=t(KINDS[kind].title_key), text=[model_label(by_name[r["name"]]) for r in points],
                textposition="top center", marker=class_marker(k, size=11),
                hovertemplate=t("quality.hover")))
    fig.update_layout(title=t("quality.tradeoff_title"), height=480, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis_title=t("quality.col_mse"), yaxis_title=t("quality.col_fid_prior"), yaxis_type="log")
    figure(fig, "quality_tradeoff", "quality_tradeoff", config={"displaylogo": False})
    st.caption(t("quality.tradeoff_caption"))


if __name__ == "__main__":
    render(open_page("quality.title", "quality.intro"))
