"""The latent map's chart: Plotly in the page, one chart kept while the figures change.

``st.plotly_chart`` gives a selectable chart a new identity whenever its figure changes, so each
model switch made the browser build the chart and its WebGL contexts from nothing. This chart
(``frontend/main.js``, a components-v2 module run in the page itself) keeps its chart and hands
each new figure to ``Plotly.react``, which replaces the points in place (docs/performance.md: the
model switch). It draws with Plotly's own partial bundle with WebGL scatter, vendored from npm in
``frontend/vendor`` (NOTICE.md; ``vendor.sh`` refreshes it): nothing is fetched from outside the
server. The page's first element starts loading that file (explorer_app/assets/preload_bundles.js), so
that Plotly is compiled while the server builds the map (docs/performance.md: cold start).

The figure is the one plotly.py builds (:func:`explorer.present.figures.latent_map_figure`), sent as its
JSON; the chart's state ``selection`` is the last selection made on it, as ``{"event": "select",
"points": [test index…], "n": count}`` — read by :func:`chart_selection` and checked by
:func:`selected_points`, since it comes from a browser.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from explorer_app import DECLARING

if TYPE_CHECKING:
    import plotly.graph_objects as go

FRONTEND = Path(__file__).resolve().parent / "frontend"
PLOTLY_FILE = "vendor/plotly.js/plotly-gl2d.min.js"
PLOTLY_SCRIPT = "explorer-map-plotly"  # the id of the page's one script element that loads it


@functools.cache
def _served_folder():
    # Streamlit serves a components-v1 folder as it is, and v2 only a pip-installed package's: the
    # folder is declared for its files (Plotly). Declared by the page's first element (plotly_script),
    # before the app's own imports, Streamlit's walk over the loaded modules to name it is short.
    import streamlit.components.v1 as components

    with DECLARING:
        return components.declare_component("map_chart", path=str(FRONTEND))


def plotly_script() -> dict:
    """The page's script element for the vendored Plotly: its id, and its address relative to the
    server's base address (explorer_app/assets/preload_bundles.js adds it first, the chart finds it)."""
    return {"id": PLOTLY_SCRIPT, "address": f"component/{_served_folder().name}/{PLOTLY_FILE}"}


@functools.cache
def _chart():
    # In the page, not in a frame of its own: no frame to make and load when the map arrives, and the
    # Plotly the page's first element started loading is the one it draws with (docs/performance.md).
    # Not style-isolated: Plotly styles its chart from the page's head.
    return st.components.v2.component("map_chart", js=(FRONTEND / "main.js").read_text(encoding="utf-8"),
                                      isolate_styles=False)


def map_chart(fig: go.Figure, key: str, height: int, view: str, drawn: str, selectable: bool = False,
              on_select=None, toolbar: bool = True) -> None:
    """Draw a 2-D map's figure; a selection made on it calls ``on_select`` (see :func:`chart_selection`).

    ``view`` names the map (dataset and model): zoom and hidden classes are kept while it stays.
    ``drawn`` names all the figure draws: a selection Plotly marked on the chart is kept while it
    stays, and cleared when it changes (the page then marks the selection itself). ``toolbar``:
    Plotly's mode bar on hover (presenter mode leaves it out, as it does Streamlit's toolbars).
    """
    import plotly.io

    spec = plotly.io.to_json(fig, validate=False)
    signature = hashlib.sha256(spec.encode() + repr((view, drawn, toolbar)).encode()).hexdigest()[:16]
    # Only strings, numbers and booleans: Streamlit asks of any other value whether it is a table,
    # and that question imports pandas (0.5 s before the server's first map; explorer_app.pages_after_imports).
    data = {"spec": spec, "signature": signature, "uirevision": str(view), "selectionrevision": str(drawn),
            "height": int(height), "selectable": bool(selectable), "toolbar": bool(toolbar),
            "plotly": plotly_script()["address"], "plotly_script": PLOTLY_SCRIPT}
    data["strings"] = json.dumps(keyboard_strings(sum(len(trace.x) for trace in fig.data
                                           if trace.showlegend is not False and trace.x is not None)))
    callbacks = {"on_selection_change": on_select} if selectable and on_select is not None else {}
    _chart()(key=key, data=data, height=int(height), **callbacks)


def keyboard_strings(n_points: int) -> dict:
    """What the chart's keyboard use says (frontend/main.js): its name, and each move, in the page's language."""
    from explorer.present.i18n import t

    return {"role": t("map.kbd_role"), "label": t("map.kbd_label", n=f"{n_points:,}"), "point": t("map.kbd_point"),
            "selected": t("map.kbd_selected"), "cleared": t("map.kbd_cleared"), "edge": t("map.kbd_edge"),
            "keys": t("map.kbd_keys")}


def chart_selection(key: str):
    """The last selection event the chart under ``key`` sent (None before any): check it with :func:`selected_points`."""
    state = st.session_state.get(key)
    try:
        return state["selection"] if state is not None else None
    except (KeyError, TypeError):
        return None


def selected_points(value, n_images: int, limit: int) -> list[int]:
    """The test indices a selection event holds: integers in range, each once, at most ``limit``."""
    if not isinstance(value, dict) or value.get("event") != "select" or not isinstance(value.get("points"), list):
        return []
    chosen = {p for p in value["points"] if isinstance(p, int) and not isinstance(p, bool) and 0 <= p < n_images}
    return sorted(chosen)[:limit]
