"""Anomaly view: reconstruction error as an anomaly score, on the test set and on inputs from elsewhere."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explorer.data.datasets import other_dataset
from explorer.data.images import grid
from explorer.present.i18n import dataset_title, t
from explorer.store.catalog import siblings
from explorer_app import loaders
from explorer_app.page import PageInput, model_or_error, open_page
from explorer_app.widgets import figure, model_label, model_picker

SET_COLOURS = ("#4e79a7", "#e15759", "#f28e2b", "#59a14f", "#b07aa1")  # test, other, noise, upside-down, inverted


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels
    models = model_picker(t("anomaly.models"), view, "anomaly_models", siblings(view.models, view.model))
    names = {"test": t("anomaly.test"), "other": t("anomaly.other", dataset=dataset_title(other_dataset(view.dataset))),
             "noise": t("anomaly.noise"), "upside_down": t("anomaly.upside_down"), "inverted": t("anomaly.inverted")}
    for info in models:
        st.subheader(model_label(info))
        model = model_or_error(info)
        if model is None:
            continue
        with st.spinner(t("anomaly.wait")):  # stored beside the model; computed here once for a model without them
            s = loaders.anomaly_scores(info)
        # the histograms and the ROC curves in one figure: a chart fewer for the browser to build
        fig = make_subplots(rows=1, cols=2, subplot_titles=(t("anomaly.hist"), t("anomaly.roc")),
                            horizontal_spacing=0.08)
        colours = dict(zip(names, SET_COLOURS))
        for key, values in s.items():
            fig.add_trace(go.Histogram(x=np.log10(values + 1e-8), name=names[key], opacity=0.6, nbinsx=60,
                                       legendgroup=key, marker_color=colours[key]), row=1, col=1)
        aucs = {}
        for key, (fpr, tpr, auc) in loaders.anomaly_curves(info).items():
            aucs[names[key]] = auc
            fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=t("figure.roc_trace", set=names[key], auc=auc),
                                     legendgroup=key, showlegend=False, line={"color": colours[key]}), row=1, col=2)
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"},
                                 showlegend=False, hoverinfo="skip"), row=1, col=2)
        fig.update_layout(barmode="overlay", height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                          legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0})
        fig.update_xaxes(title_text=t("anomaly.log_error"), row=1, col=1)
        fig.update_xaxes(title_text=t("anomaly.fpr"), row=1, col=2)
        fig.update_yaxes(title_text=t("anomaly.tpr"), row=1, col=2)
        figure(fig, f"anomaly_{info.name}", f"anomaly_{info.name}", config={"displaylogo": False})
        # a table of three rows: HTML, not the data grid (a canvas that costs the browser a tenth of a second)
        st.table({t("anomaly.set"): list(aucs), t("figure.auc"): [f"{v:.4f}" for v in aucs.values()]},
                 border="horizontal", hide_index=True)
        worst = np.argsort(s["test"])[::-1][:12].tolist()
        st.markdown(t("anomaly.worst"))
        # one picture, the images above their reconstructions: two dozen small pictures cost the browser more
        st.image(grid(np.concatenate([images[worst], loaders.reconstructions(info, worst)]), ncols=len(worst)),
                 width="stretch", alt=t("alt.worst", n=len(worst), model=model_label(info)))
        st.caption(t("anomaly.worst_caption", items=t("list.separator").join(
            t("anomaly.worst_item", index=i, label=view.class_names[int(labels[i])], mse=float(s["test"][i]))
            for i in worst)))


if __name__ == "__main__":
    render(open_page("anomaly.title", "anomaly.intro"))
