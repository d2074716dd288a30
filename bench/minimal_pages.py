"""The reference for bench/page_times.py: Streamlit's own minimal two-page app.

The first page is one line of text; the second draws one 10,000-point WebGL scatter with
``st.plotly_chart``. A click from the first to the second in the sidebar is the cheapest
page switch Streamlit can make that ends in a chart.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st


def home() -> None:
    st.write("A minimal page.")


def scatter() -> None:
    xy = np.random.default_rng(0).normal(size=(10_000, 2))
    st.plotly_chart(go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers")))


st.navigation([st.Page(home, title="Home", default=True),
               st.Page(scatter, title="Scatter", url_path="scatter")]).run()
