"""The latent map's chart: Plotly in a component that keeps one chart while the figures change.

``st.plotly_chart`` gives a selectable chart a new identity whenever its figure changes, so each
model switch made the browser build the chart and its WebGL contexts from nothing. This
component (``frontend/``) keeps its chart and hands each new figure to ``Plotly.react``, which
replaces the points in place (README, Performance: the model switch). It draws with Plotly's
own partial bundle with WebGL scatter, vendored from npm in ``frontend/vendor`` (NOTICE.md;
``vendor.sh`` refreshes it): nothing is fetched from outside the server.

The figure is the one plotly.py builds (:func:`explorer.figures.latent_map_figure`), sent as its
JSON; the value is the last selection made on the chart, as ``{"event": "select", "points":
[test index…], "n": count}`` — checked by :func:`selected_points`, since it comes from a browser.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import plotly.graph_objects as go
import plotly.io
import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "frontend"


@functools.cache
def _component():
    # Declared when first drawn: Streamlit names a component after its module by a walk over every
    # loaded module (0.1–0.2 s), which need not happen before the first page has started.
    return components.declare_component("map_chart", path=str(FRONTEND))


def map_chart(fig: go.Figure, key: str, height: int, view: str, drawn: str, selectable: bool = False,
              on_select=None, toolbar: bool = True) -> dict | None:
    """Draw a 2-D map's figure; returns the chart's last selection event (see :func:`selected_points`).

    ``view`` names the map (dataset and model): zoom and hidden classes are kept while it stays.
    ``drawn`` names all the figure draws: a selection Plotly marked on the chart is kept while it
    stays, and cleared when it changes (the page then marks the selection itself). ``toolbar``:
    Plotly's mode bar on hover (presenter mode leaves it out, as it does Streamlit's toolbars).
    """
    spec = plotly.io.to_json(fig, validate=False)
    signature = hashlib.sha256(spec.encode() + repr((view, drawn, toolbar)).encode()).hexdigest()[:16]
    # Only strings, numbers and booleans: Streamlit asks of any other argument whether it is a table,
    # and that question imports pandas (0.5 s before the server's first map; webapp.pages_after_pandas).
    return _component()(spec=spec, signature=signature, uirevision=str(view), selectionrevision=str(drawn),
                        height=int(height), selectable=bool(selectable), toolbar=bool(toolbar), key=key,
                        default=None, on_change=on_select)


def selected_points(value, n_images: int, limit: int) -> list[int]:
    """The test indices a selection event holds: integers in range, each once, at most ``limit``."""
    if not isinstance(value, dict) or value.get("event") != "select" or not isinstance(value.get("points"), list):
        return []
    chosen = {p for p in value["points"] if isinstance(p, int) and not isinstance(p, bool) and 0 <= p < n_images}
    return sorted(chosen)[:limit]
