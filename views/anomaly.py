"""Anomaly view: reconstruction error as an anomaly score, on the test set and on inputs from elsewhere."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer import ui
from explorer.data import DATASETS
from explorer.denoise import out_of_distribution, reconstruction_errors
from explorer.errors import DatasetUnavailable
from explorer.i18n import t
from explorer.latent import reconstruct
from explorer.measure import roc

N_IMAGES = 2000  # per set: enough for a smooth ROC, quick on a CPU

view = ui.view()
st.title(t("anomaly.title"))
st.caption(t("anomaly.intro"))
images, labels = ui.require_test_split(view)
if view.model is None:
    st.stop()
models = ui.model_picker(t("anomaly.models"), view, "anomaly_models", ui.companion_models(view))


@st.cache_data(show_spinner=False, max_entries=32)
def scores(dataset: str, name: str) -> dict[str, np.ndarray]:
    test = torch.from_numpy(np.array(ui.test_split(dataset)[0][:N_IMAGES]))
    other_name = next(d for d in DATASETS if d != dataset)
    try:
        other = torch.from_numpy(np.array(ui.test_split(other_name)[0][:N_IMAGES]))
    except DatasetUnavailable:  # the other dataset's images are not here: leave that set out
        other = None
    model = ui.model(dataset, name)
    out = {"test": reconstruction_errors(model, test)}
    for key, x in out_of_distribution(test, other, seed=0).items():
        out[key] = reconstruction_errors(model, x)
    return out


other_title = DATASETS[next(d for d in DATASETS if d != view.dataset)].title
for info in models:
    st.subheader(ui.model_title(info))
    if ui.model_or_error(view.dataset, info) is None:
        continue
    with st.spinner(t("anomaly.wait")):
        s = scores(view.dataset, info.name)
    names = {"test": t("anomaly.test"), "other": t("anomaly.other", dataset=other_title), "noise": t("anomaly.noise"),
             "upside_down": t("anomaly.upside_down"), "inverted": t("anomaly.inverted")}
    left, right = st.columns(2)
    hist = go.Figure()
    for key, values in s.items():
        hist.add_trace(go.Histogram(x=np.log10(values + 1e-8), name=names[key], opacity=0.6, nbinsx=60))
    hist.update_layout(barmode="overlay", height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                       xaxis_title=t("anomaly.log_error"), title=t("anomaly.hist"))
    left.plotly_chart(hist, key=f"hist_{info.name}", config={"displaylogo": False})
    curves, aucs = go.Figure(), {}
    for key, values in s.items():
        if key == "test":
            continue
        fpr, tpr, auc = roc(s["test"], values)
        aucs[names[key]] = auc
        curves.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=f"{names[key]} (AUC {auc:.3f})"))
    curves.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, showlegend=False))
    curves.update_layout(height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=t("anomaly.roc"),
                         xaxis_title=t("anomaly.fpr"), yaxis_title=t("anomaly.tpr"))
    right.plotly_chart(curves, key=f"roc_{info.name}", config={"displaylogo": False})
    st.dataframe({t("anomaly.set"): list(aucs), "AUC": [round(v, 4) for v in aucs.values()]}, hide_index=True)
    worst = np.argsort(s["test"])[::-1][:12].tolist()
    st.markdown(t("anomaly.worst"))
    x = torch.from_numpy(np.array(images[worst])).float().div(255).unsqueeze(1)
    st.image([images[i] for i in worst], width=64,
             caption=[t("map.original", index=i, label=view.class_names[int(labels[i])]) for i in worst])
    st.image([r[0].numpy() for r in reconstruct(ui.model(view.dataset, info.name), x)], width=64, clamp=True,
             caption=[t("map.error", mse=float(s["test"][i])) for i in worst])
