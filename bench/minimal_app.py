"""The reference for the cold-start figure: Streamlit's own minimal page with one 10,000-point WebGL scatter."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

xy = np.random.default_rng(0).normal(size=(10_000, 2))
st.plotly_chart(go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers")))
