"""The map of many points: every point of a map up to a million, drawn by WebGL with regl-scatterplot.

Plotly's WebGL scatter draws a map of 100,000 points in about the time of one of 10,000, but a million
points as its JSON take ten times the bytes and three times the first paint (docs/deploying.md). This
chart (``frontend/``, a components-v1 folder like explorer_app/browser_decoder, so that Streamlit serves
its files as they are) gets the points as binary arguments — 13 bytes a point — and regl-scatterplot,
vendored from npm in ``frontend/vendor`` (NOTICE.md; ``vendor.sh`` refreshes it), draws them with pan,
zoom, hover, click, lasso and the keyboard. Thumbnails and marks (prior samples, neighbours) are drawn
over it on a canvas that follows the view.

A map larger than :data:`MAX_WEBGL_POINTS` is not silently sampled: the chart shows the density of all
its points, and the points under the view (all of them once the view holds few enough); it reports each
view it settles on and the page sends the points inside it.

The arguments never change while the page reruns with the same map, so Streamlit's message cache sends
a reference instead of the bytes again.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

from explorer.present.figures import CLASS_COLOURS, CLASS_SYMBOLS
from explorer.present.i18n import t
from explorer.present.many_points import (
    checked_view,
    density_picture,
    points_in_view,
    square_bounds,
    thumbnail_sheet,
    to_unit_square,
)
from explorer_app import DECLARING
from explorer_app.map_chart import keyboard_strings

MAX_WEBGL_POINTS = 1_000_000  # points sent to a browser at most: 13 MB, drawn in a few seconds without a GPU
SYMBOL_LIMIT = 5000  # points in view at most for their class symbols to be drawn on them (each is 9 px wide)
THUMB_COLUMNS = 20  # thumbnails to a row of the sheet the chart cuts them from


@functools.cache
def _component():
    # declared when first drawn: only a map of many points needs it
    from pathlib import Path

    with DECLARING:
        return components.declare_component("points_chart", path=str(Path(__file__).resolve().parent / "frontend"))


@dataclass
class Mark:
    """A few points drawn over the map with a symbol (prior samples, a point's neighbours)."""

    name: str
    xy: np.ndarray  # in the map's own coordinates
    colour: str
    symbol: str  # "cross", "triangle-up", "diamond" or "x"


@dataclass
class PointsMap:
    """A map prepared for the chart: its points on the unit square, its bounds, and (for one larger than a
    browser holds) its density picture. Prepared once per map (see :func:`prepared_map`)."""

    unit_xy: np.ndarray  # N×2 float32 in [-1, 1]
    labels: np.ndarray  # N uint8
    indices: np.ndarray  # N int32: each point's image
    bounds: tuple[float, float, float, float]
    density_png: bytes | None = None
    key: str = ""  # a digest of the points: what the chart redraws on

    @property
    def n(self) -> int:
        return len(self.unit_xy)

    @property
    def lod(self) -> bool:
        return self.n > MAX_WEBGL_POINTS


def prepared_map(xy: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> PointsMap:
    """A map's points as the chart takes them (the density picture too, for a map larger than a browser holds)."""
    from explorer.data.images import png_bytes

    bounds = square_bounds(xy)
    unit = to_unit_square(xy, bounds)
    labels = np.asarray(labels, dtype=np.uint8)
    key = hashlib.sha256(unit.tobytes() + labels.tobytes() + np.asarray(indices, np.int32).tobytes()).hexdigest()[:16]
    prepared = PointsMap(unit, labels, np.asarray(indices, dtype=np.int32), bounds, key=key)
    if prepared.lod:
        prepared.density_png = png_bytes(density_picture(unit, labels))
    return prepared


def chart_strings(shown: int, total: int, in_view: int) -> dict:
    """What the chart says, in the page's language: its tools, its count, its hover, its keyboard use."""
    if shown == total:
        count = t("points.count_all", n=total)
    elif shown == in_view:
        count = t("points.count_view_all", inside=in_view, total=total)
    else:
        count = t("points.count_view", shown=shown, inside=in_view, total=total)
    return {**keyboard_strings(total), "pan": t("points.pan"), "lasso": t("points.lasso"), "reset": t("points.reset"),
            "hover": t("points.hover"), "hide": t("points.hide"), "count": count}


def points_chart(points: PointsMap, class_names: list[str], key: str, height: int = 600,
                 selected: list[int] | tuple = (), thumbnails: tuple[np.ndarray, np.ndarray] | None = None,
                 marks: list[Mark] = (), on_select=None, projector: bool = False) -> dict | None:
    """Draw ``points``; returns the chart's last event (see :func:`chart_event`), checked.

    ``selected``: images (test indices) to mark; ``thumbnails``: (rows of the map, their images) drawn on it;
    ``projector``: presenter mode's larger points and text (explorer.present.figures.for_projector for Plotly).
    For a map larger than :data:`MAX_WEBGL_POINTS` the points drawn are those under the last view the chart
    reported (the session keeps it under ``key + "_view"``).
    """
    view = st.session_state.get(f"{key}_view") if points.lod else None
    rows, in_view = points_in_view(points.unit_xy, view, MAX_WEBGL_POINTS)
    unit, labels, indices = points.unit_xy[rows], points.labels[rows], points.indices[rows]
    point_size = (2 if len(rows) > 300_000 else 3 if len(rows) > 50_000 else 4) * (1.8 if projector else 1)
    args = {"x": np.ascontiguousarray(unit[:, 0]).tobytes(), "y": np.ascontiguousarray(unit[:, 1]).tobytes(),
            "labels": labels.tobytes(), "indices": indices.tobytes()}
    points_signature = f"{points.key}:{view}"
    chosen = np.flatnonzero(np.isin(indices, np.asarray(list(selected), dtype=np.int64))).tolist() if selected else []
    thumbs = None
    if thumbnails is not None:
        from explorer.data.images import png_bytes

        map_rows, images = np.asarray(thumbnails[0], dtype=np.int64), thumbnails[1]
        at = np.minimum(np.searchsorted(rows, map_rows), len(rows) - 1)  # rows are sorted
        kept = rows[at] == map_rows if len(rows) else np.zeros(len(map_rows), dtype=bool)
        if kept.any():
            args["thumbs_png"] = png_bytes(thumbnail_sheet(images[kept], THUMB_COLUMNS))
            thumbs = {"cell": int(images.shape[1]), "cols": THUMB_COLUMNS, "points": at[kept].tolist()}
    if points.density_png is not None:
        args["density_png"] = points.density_png
    drawn_marks = []
    for mark in marks:
        unit_mark = to_unit_square(np.asarray(mark.xy), points.bounds)
        drawn_marks.append({"name": mark.name, "colour": mark.colour, "symbol": mark.symbol,
                            "x": [round(float(v), 5) for v in unit_mark[:, 0]],
                            "y": [round(float(v), 5) for v in unit_mark[:, 1]]})
    # opacity 1: each class in exactly its legend's colour (below 1, regl-scatterplot blends it towards white, and in
    # performance mode adds white to it); the symbols: drawn on the points once few enough are in view
    meta = {"points_signature": points_signature, "n": len(rows), "class_names": list(class_names), "colors": list(CLASS_COLOURS),
            "symbols": list(CLASS_SYMBOLS), "symbol_limit": SYMBOL_LIMIT,
            "height": int(height), "point_size": point_size, "opacity": 1.0,
            "selected": chosen, "thumbs": thumbs, "marks": drawn_marks, "lod": points.lod, "projector": projector,
            "density": {"bounds": [-1.0, 1.0, -1.0, 1.0]} if points.lod else None,
            "strings": chart_strings(len(rows), points.n, in_view)}
    meta["signature"] = hashlib.sha256(repr(sorted((k, v) for k, v in meta.items() if k != "strings")).encode()
                                       + repr(meta["strings"]).encode() + repr(sorted(args)).encode()).hexdigest()[:16]

    def changed():
        # a view settled on (a map larger than a browser holds): the rerun this starts draws the points under it
        value = st.session_state.get(key)
        if isinstance(value, dict) and value.get("event") == "view":
            settled = checked_view(value) if points.lod else None
            if settled is not None:
                st.session_state[f"{key}_view"] = settled
        elif on_select is not None:
            on_select()

    value = _component()(key=key, default=None, on_change=changed, **meta, **args)
    return chart_selection(value)


def chart_selection(value) -> dict | None:
    """The chart's last selection event, ``{"event": "select", "points": [image…], "count", "n"}``, or None; the
    points are checked by :func:`explorer_app.map_chart.selected_points`, since they come from a browser."""
    return value if isinstance(value, dict) and value.get("event") == "select" else None
