"""Anomaly view: reconstruction error as an anomaly score, on the test set and on inputs from elsewhere."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.catalog import siblings
from explorer.data import other_dataset, to_float
from explorer.i18n import dataset_title, t
from explorer.images import pictures
from explorer.latent import reconstruct
from explorer.measure import roc
from webapp import loaders
from webapp.page import PageInput, model_or_error, open_page
from webapp.widgets import figure, model_label, model_picker


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
        left, right = st.columns(2)
        hist = go.Figure()
        for key, values in s.items():
            hist.add_trace(go.Histogram(x=np.log10(values + 1e-8), name=names[key], opacity=0.6, nbinsx=60))
        hist.update_layout(barmode="overlay", height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                           xaxis_title=t("anomaly.log_error"), title=t("anomaly.hist"))
        with left:
            figure(hist, f"hist_{info.name}", f"hist_{info.name}", config={"displaylogo": False})
        curves, aucs = go.Figure(), {}
        for key, values in s.items():
            if key == "test":
                continue
            fpr, tpr, auc = roc(s["test"], values)
            aucs[names[key]] = auc
            curves.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=t("figure.roc_trace", set=names[key], auc=auc)))
        curves.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"},
                                    showlegend=False))
        curves.update_layout(height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=t("anomaly.roc"),
                             xaxis_title=t("anomaly.fpr"), yaxis_title=t("anomaly.tpr"))
        with right:
            figure(curves, f"roc_{info.name}", f"roc_{info.name}", config={"displaylogo": False})
        st.dataframe({t("anomaly.set"): list(aucs), t("figure.auc"): [round(v, 4) for v in aucs.values()]},
                     hide_index=True)
        worst = np.argsort(s["test"])[::-1][:12].tolist()
        st.markdown(t("anomaly.worst"))
        st.image([images[i] for i in worst], width=64,
                 caption=[t("map.original", index=i, label=view.class_names[int(labels[i])]) for i in worst])
        recon = reconstruct(model, to_float(torch.from_numpy(np.array(images[worst]))))
        st.image(pictures(recon), width=64,
                 caption=[t("map.error", mse=float(s["test"][i])) for i in worst])


if __name__ == "__main__":
    render(open_page("anomaly.title", "anomaly.intro"))
