"""The reference page for the speed figures: Streamlit's own minimal page with one 10,000-point WebGL scatter.

bench/cold_start.py times its first paint; bench/interaction.py times a redraw after its
selectbox changes (a new 10,000-point scatter), the cheapest "switch" Streamlit can do.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

seed = st.selectbox("seed", [0, 1, 2, 3])
xy = np.random.default_rng(seed).normal(size=(10_000, 2))
st.plotly_chart(go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers")))
