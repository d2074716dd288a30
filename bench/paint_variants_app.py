"""The figure variants bench/paint_cost.py times: one page, ``?variant=…``, a selectbox that redraws it.

Each variant adds one thing the app's latent map has to Streamlit's minimal 10,000-point
scatter, so the browser's cost of each can be read off: customdata, a hover template,
one trace per class, the app's layout, selection events, and the whole app figure; the last
draws that figure with the app's own chart (explorer_app/map_chart), which keeps its chart across reruns.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.analysis.project import load_map
from explorer.data.datasets import load_shipped_arrays, pretrained_dir
from explorer.present.figures import CLASS_COLOURS, latent_map_figure
from explorer_app.map_chart import map_chart

variant = st.query_params.get("variant", "minimal")
seed = st.selectbox("seed", [0, 1, 2, 3])
shipped = load_map(pretrained_dir() / "mnist" / "vae-z16" / "map.npz")
_, all_labels = load_shipped_arrays("mnist")
labels = all_labels[shipped.indices]
# each seed moves the points a little, as another model's map would
xy = (shipped.xy + np.random.default_rng(seed).normal(scale=0.05, size=shipped.xy.shape)).astype(np.float32)
indices = shipped.indices
names = [str(c) for c in range(10)]

if variant == "minimal":
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers"))
elif variant == "customdata":
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=indices))
elif variant == "hover":
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=indices,
                                 hovertemplate="class: 3<br>index: %{customdata}<extra></extra>"))
elif variant == "colours":
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers",
                                 marker={"color": np.array(CLASS_COLOURS)[labels], "size": 4}))
elif variant == "ten traces":
    fig = go.Figure([go.Scattergl(x=xy[labels == c, 0], y=xy[labels == c, 1], mode="markers", name=names[c])
                     for c in range(10)])
else:  # "app figure", "app figure + select": what the map page draws
    fig = latent_map_figure(xy, labels, names, indices, height=600)

if variant == "app figure + select":
    st.plotly_chart(fig, key="chart", on_select="rerun", selection_mode=("points", "box", "lasso"),
                    config={"displaylogo": False})
elif variant == "app figure, map chart":
    map_chart(fig, "chart", 600, view="mnist/vae-z16", drawn=str(seed), selectable=True, on_select=lambda: None)
else:
    st.plotly_chart(fig, key="chart")
st.caption(f"{variant}: figure JSON {len(fig.to_json()) / 1024:.0f} KiB")
