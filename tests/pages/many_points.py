"""A page with only the map of many points (explorer_app.points_chart) on synthetic points, for the browser tests.

    POINTS=1000000 streamlit run tests/pages/many_points.py
    POINTS=50000 LIMIT=20000 streamlit run tests/pages/many_points.py   # more than a browser is sent: the views
    POINTS=600000 CLASS=3 streamlit run tests/pages/many_points.py      # every point of one class (its colour)

Ten classes in clusters, seeded; the page writes the last selection the chart sent (its images, as the map
page would use them) so that a test can read it.
"""

import os

import numpy as np
import streamlit as st

import explorer_app.points_chart
from explorer_app.map_chart import selected_points
from explorer_app.points_chart import Mark, points_chart, prepared_map

if os.environ.get("LIMIT"):  # what a browser is sent at most, lowered so that a test sees the level of detail
    explorer_app.points_chart.MAX_WEBGL_POINTS = int(os.environ["LIMIT"])


@st.cache_resource
def synthetic(n: int):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n) if os.environ.get("CLASS") is None else np.full(n, int(os.environ["CLASS"]))
    centres = rng.normal(scale=6, size=(10, 2))
    xy = (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32)
    return prepared_map(xy, labels, np.arange(n)), xy


n = int(os.environ.get("POINTS", "1000"))
points, xy = synthetic(n)
thumbs = None
if os.environ.get("THUMBNAILS"):
    rows = np.arange(0, n, max(1, n // 50))
    thumbs = (rows, np.full((len(rows), 8, 8), 200, dtype=np.uint8))
marks = [Mark("marked", xy[:3], "#111111", "diamond")] if os.environ.get("MARKS") else []
event = points_chart(points, [f"class {c}" for c in range(10)], key="points", height=500, thumbnails=thumbs,
                     marks=marks)
chosen = selected_points(event, n, 200)
st.markdown(f"selected: {','.join(map(str, chosen)) if chosen else 'none'}; count: "
            f"{event.get('count') if event else 0}")
