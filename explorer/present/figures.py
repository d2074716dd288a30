"""Plotly figures, built from plain arrays (no Streamlit): the pages only display them."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go

from explorer.present.i18n import t

# Ten colours that stay apart for the common colour-vision deficiencies: Okabe and Ito's palette (Wong, "Points of
# view: Color blindness", Nature Methods 8, 2011) without its yellow, which a projector washes out, and three
# more chosen to keep every pair apart (CIEDE2000 ≥ 10 under normal, protan, deutan and tritan vision, Machado
# et al. 2009; tests/test_palette.py). Tableau 10, the palette before, had pairs 0.7 apart under deutan vision.
CLASS_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#000000", "#802000", "#00009F", "#606060",
)
# A second channel beside colour: each class its own marker on the map and in every legend.
CLASS_SYMBOLS = (
    "circle", "square", "diamond", "cross", "x",
    "triangle-up", "triangle-down", "star", "pentagon", "hexagram",
)


def class_marker(c: int, **marker) -> dict:
    """A Plotly marker in class ``c``'s colour and symbol (with any other marker settings)."""
    return {"color": CLASS_COLOURS[c % len(CLASS_COLOURS)], "symbol": CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)], **marker}


PROJECTOR_FONT = 18  # px: a chart's text read from a projector's back row (1280×720), as the page's 22 px type
PROJECTOR_TEXT = "#0E1117"  # the page's text colour (.streamlit/config.toml): a projector washes grey out


def for_projector(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` for a projector (presenter mode): larger text, larger markers, thicker lines."""
    fig = go.Figure(fig)
    fig.update_layout(font={"size": PROJECTOR_FONT, "color": PROJECTOR_TEXT}, legend={"font": {"size": PROJECTOR_FONT}},
                      hoverlabel={"font": {"size": PROJECTOR_FONT}})
    # Streamlit's chart theme sets the axes' own (grey) colours, which a layout's font does not override
    axis_text = {"tickfont": {"color": PROJECTOR_TEXT}, "title": {"font": {"color": PROJECTOR_TEXT}}}
    fig.update_xaxes(**axis_text)
    fig.update_yaxes(**axis_text)
    if fig.layout.title.text:
        fig.update_layout(title={"font": {"size": PROJECTOR_FONT + 4}})
    for annotation in fig.layout.annotations:  # subplot titles
        annotation.font.size = PROJECTOR_FONT
    for trace in fig.data:
        marker, line = getattr(trace, "marker", None), getattr(trace, "line", None)
        size, width = getattr(marker, "size", None), getattr(line, "width", None)  # a bar's marker has no size
        if isinstance(size, (int, float)):
            marker.size = max(7.0, 1.8 * size)
        if isinstance(width, (int, float)):
            line.width = max(3.0, 1.5 * width)
    return fig


def latent_map_figure(
    xy: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    indices: np.ndarray,
    selected: list[int] | None = None,
    title: str | None = None,
    height: int = 560,
    marker_size: float = 4.0,
) -> go.Figure:
    """A WebGL scatter of the map, one trace per class (the legend names them and toggles them).

    Each point carries its test-set index in ``customdata``, so a selection says which
    images it holds, whatever traces were hidden.
    """
    labels = np.asarray(labels)
    if xy.shape[1] == 3:
        return _map_figure_3d(xy, labels, class_names, indices, selected, title, height)
    fig = go.Figure()
    for c, name in enumerate(class_names):
        mask = labels == c
        if not mask.any():
            continue
        fig.add_trace(
            go.Scattergl(
                x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=name,
                marker=class_marker(c, size=marker_size, opacity=0.75),
                customdata=indices[mask],
                hovertemplate=t("figure.map_hover", label=_escape(name)),
            )
        )
    if selected:
        position = {int(i): k for k, i in enumerate(indices)}
        rows = [position[i] for i in selected if i in position]
        if rows:
            fig.add_trace(
                go.Scattergl(
                    x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=t("figure.selected"), showlegend=False,
                    marker={"size": marker_size + 7, "color": "rgba(0,0,0,0)", "line": {"color": "black", "width": 2}},
                    customdata=indices[rows], hovertemplate=t("figure.selected_hover"),
                )
            )
    fig.update_layout(
        title=title, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"itemsizing": "constant", "title": None}, plot_bgcolor="white",
        # no dragmode: Streamlit then pans on drag and selects on click; box and lasso are in the mode bar
        uirevision="map",  # keep zoom and hidden classes across reruns
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return fig


BACKDROP_PIXELS = 1000  # the longer side of a map drawn as a picture


def map_picture(xy: np.ndarray, labels: np.ndarray, bounds: tuple[float, float, float, float],
                pixels: int = BACKDROP_PIXELS, radius: int = 2) -> np.ndarray:
    """The points ``xy`` as discs in their class colours on a transparent picture (H×W×4 uint8) spanning ``bounds``
    (x0, x1, y0, y1), its longer side ``pixels``: what a browser draws at once, however many points there are."""
    x0, x1, y0, y1 = bounds
    scale = (pixels - 1) / max(x1 - x0, y1 - y0)
    width, height = round((x1 - x0) * scale) + 1, round((y1 - y0) * scale) + 1
    col = np.round((xy[:, 0] - x0) * scale).astype(np.int64)
    row = np.round((y1 - xy[:, 1]) * scale).astype(np.int64)  # a picture's rows run down
    colours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in CLASS_COLOURS], dtype=np.uint8)
    rgb = colours[np.asarray(labels) % len(CLASS_COLOURS)]
    picture = np.zeros((height, width, 4), dtype=np.uint8)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx * dx + dy * dy > radius * radius + radius:
                continue
            r, c = row + dy, col + dx
            inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
            picture[r[inside], c[inside], :3] = rgb[inside]
            picture[r[inside], c[inside], 3] = 200
    return picture


def map_backdrop_figure(xy: np.ndarray, labels: np.ndarray, class_names: list[str], indices: np.ndarray,
                        selected: list[int] | None = None, height: int = 520) -> go.Figure:
    """The map as a picture with the ``selected`` test images ringed: a backdrop for what a page draws on it (a path,
    a new image's place), quick in any browser; :func:`latent_map_figure` is the map one selects on."""
    from PIL import Image

    labels = np.asarray(labels)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    pad = 0.03 * max(x1 - x0, y1 - y0, 1e-6)
    bounds = (float(x0 - pad), float(x1 + pad), float(y0 - pad), float(y1 + pad))
    fig = go.Figure()
    fig.add_layout_image(source=Image.fromarray(map_picture(xy, labels, bounds), "RGBA"), xref="x", yref="y",
                         x=bounds[0], y=bounds[3], sizex=bounds[1] - bounds[0], sizey=bounds[3] - bounds[2],
                         sizing="stretch", layer="below")
    for c, name in enumerate(class_names):  # the legend: the classes' colours
        if (labels == c).any():
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=class_marker(c, size=8)))
    if selected:
        position = {int(i): k for k, i in enumerate(indices)}
        rows = [position[i] for i in selected if i in position]
        if rows:
            fig.add_trace(go.Scatter(
                x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=t("figure.selected"), showlegend=False,
                marker={"size": 12, "color": "rgba(0,0,0,0)", "line": {"color": "black", "width": 2}},
                customdata=indices[rows], hovertemplate=t("figure.selected_hover")))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white",
                      legend={"itemsizing": "constant", "title": None, "itemclick": False, "itemdoubleclick": False})
    fig.update_xaxes(range=bounds[:2], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(range=bounds[2:], showticklabels=False, showgrid=False, zeroline=False, scaleanchor="x",
                     scaleratio=1)
    return fig


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sprite_uri(image: np.ndarray, colour: str) -> str:
    """A grey image as a PNG in the class colour whose opacity is the ink (as the Projector's sprites);
    a colour image as itself."""
    from PIL import Image

    if image.ndim == 3:
        buf = io.BytesIO()
        Image.fromarray(image, "RGB").save(buf, format="PNG")
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    rgba = np.zeros((*image.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = image
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _map_figure_3d(xy, labels, class_names, indices, selected, title, height) -> go.Figure:
    """A 3-D map (drag to turn it): one trace per class, the selection ringed."""
    fig = go.Figure()
    for c, name in enumerate(class_names):
        mask = labels == c
        if mask.any():
            fig.add_trace(go.Scatter3d(
                x=xy[mask, 0], y=xy[mask, 1], z=xy[mask, 2], mode="markers", name=name, customdata=indices[mask],
                marker={"size": 2, "color": CLASS_COLOURS[c % len(CLASS_COLOURS)], "opacity": 0.8},  # 3-D: round only
                hovertemplate=t("figure.map_hover", label=_escape(name))))
    if selected:
        position = {int(i): k for k, i in enumerate(indices)}
        rows = [position[i] for i in selected if i in position]
        if rows:
            fig.add_trace(go.Scatter3d(
                x=xy[rows, 0], y=xy[rows, 1], z=xy[rows, 2], mode="markers", name=t("figure.selected"),
                showlegend=False, marker={"size": 6, "color": "black", "symbol": "diamond-open"},
                customdata=indices[rows], hovertemplate=t("figure.selected_hover")))
    hidden = {"showticklabels": False, "title": "", "showgrid": True, "zeroline": False}
    fig.update_layout(title=title, height=height, margin={"l": 0, "r": 0, "t": 40 if title else 10, "b": 0},
                      legend={"itemsizing": "constant", "title": None}, uirevision="map",
                      scene={"xaxis": hidden, "yaxis": hidden, "zaxis": hidden, "aspectmode": "data"})
    return fig


def add_samples(fig: go.Figure, xy: np.ndarray, name: str, colour: str, symbol: str) -> None:
    """Generated codes placed on a map, in a colour of their own (no customdata: they are no test image)."""
    marker = {"size": 5, "color": colour, "symbol": symbol, "opacity": 0.8}
    if xy.shape[1] == 3:
        fig.add_trace(go.Scatter3d(x=xy[:, 0], y=xy[:, 1], z=xy[:, 2], mode="markers", name=name,
                                   marker={**marker, "size": 2.5}, hoverinfo="name"))
    else:
        fig.add_trace(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", name=name, marker=marker,
                                   hoverinfo="name"))


def norm_histogram(norms: dict[str, np.ndarray], latent_dim: int, height: int = 320) -> go.Figure:
    """Histograms of code norms ‖z‖ (test codes, prior and mixture samples) against the prior's own:
    under N(0, I) in d dimensions, ‖z‖ follows a chi distribution with d degrees of freedom."""
    from scipy.stats import chi

    fig = go.Figure()
    top = max(float(np.max(v)) for v in norms.values() if len(v))
    for (name, values), colour in zip(norms.items(), ("#4e79a7", "#bab0ac", "#2f2f2f")):
        fig.add_trace(go.Histogram(x=values, name=name, histnorm="probability density", opacity=0.55,
                                   marker_color=colour, xbins={"start": 0, "end": top * 1.05, "size": top / 60}))
    r = np.linspace(0, top * 1.05, 300)
    fig.add_trace(go.Scatter(x=r, y=chi.pdf(r, latent_dim), mode="lines", line={"color": "#e15759", "width": 2.5},
                             name=t("figure.chi", d=latent_dim)))
    fig.update_layout(barmode="overlay", height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title=t("figure.code_norm"), yaxis_title=t("figure.density"),
                      legend={"orientation": "h", "y": -0.25})
    return fig


def mark_points(fig: go.Figure, xy: np.ndarray, indices: np.ndarray, marked, name: str, symbol: str) -> None:
    """Outline the map points of the test images ``marked`` (a legend entry of their own)."""
    position = {int(i): k for k, i in enumerate(indices)}
    rows = [position[int(i)] for i in marked if int(i) in position]
    if rows and xy.shape[1] == 3:
        fig.add_trace(go.Scatter3d(
            x=xy[rows, 0], y=xy[rows, 1], z=xy[rows, 2], mode="markers", name=name,
            marker={"size": 5, "symbol": f"{symbol}-open" if symbol == "diamond" else symbol, "color": "black"},
            customdata=indices[rows], hovertemplate=t("figure.selected_hover")))
    elif rows:
        fig.add_trace(go.Scattergl(
            x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=name,
            marker={"size": 10, "symbol": f"{symbol}-open", "color": "black", "line": {"width": 1.5}},
            customdata=indices[rows], hovertemplate=t("figure.selected_hover")))


def add_thumbnails(fig: go.Figure, xy: np.ndarray, images: np.ndarray, labels: np.ndarray, rows: np.ndarray,
                   size_fraction: float = 0.035) -> go.Figure:
    """Draw the images of ``rows`` (positions in ``xy``) on the map, centred on their points."""
    span = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-6))
    size = span * size_fraction
    for r in rows:
        fig.add_layout_image(
            source=sprite_uri(images[r], CLASS_COLOURS[int(labels[r]) % len(CLASS_COLOURS)]),
            x=float(xy[r, 0]), y=float(xy[r, 1]), xref="x", yref="y", sizex=size, sizey=size,
            xanchor="center", yanchor="middle", layer="above",
        )
    return fig


def code_figure(code: np.ndarray, height: int = 200) -> go.Figure:
    """One image's code as a bar per dimension (the survey's figure 1: what passes the bottleneck)."""
    fig = go.Figure(go.Bar(x=[str(d) for d in range(len(code))], y=code, marker_color="#4c78a8",
                           hovertemplate=t("own.code_hover")))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=t("own.code"),
                      xaxis_title=t("own.code_dim"), xaxis_type="category")
    return fig


def prior_contours(points: int = 64) -> np.ndarray:
    """N(0, I)'s highest-density regions in 2-D: circles of radius √(−2 ln(1 − m)) for each mass m, one polyline."""
    from explorer.store.precomputed import HDR_MASSES

    angle = np.linspace(0.0, 2.0 * np.pi, points + 1)
    rings = []
    for mass in HDR_MASSES:
        radius = np.sqrt(-2.0 * np.log(1.0 - mass))
        rings += [np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), np.full((1, 2), np.nan)]
    return np.concatenate(rings)


# --- the training theatre -------------------------------------------------------------------------


def frame_extent(points: list[np.ndarray]) -> float:
    """One half-width for every frame of a run: the frames then share their axes and nothing jumps as they play.
    The 99.5th percentile of |code| over the frames given, and at least the prior's 95 % ring."""
    reach = [float(np.percentile(np.abs(p), 99.5)) for p in points if len(p)]
    return 1.1 * max([2.45, *reach])


def theatre_frame_figure(panels: list[tuple[str, np.ndarray]], labels: np.ndarray, class_names: list[str],
                         extent: float, with_prior: bool = True, height: int = 420) -> go.Figure:
    """One epoch's maps, a panel per model (title, the probe's points in the plane), side by side on one range:
    the probe by class and, where the models are meant to fill N(0, I), the prior's 25/50/75/95 % rings."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[title for title, _ in panels],
                        horizontal_spacing=0.03)
    ring = prior_contours()
    for col, (_, points) in enumerate(panels, start=1):
        first = col == 1
        if with_prior:
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=t("fig7.prior"), hoverinfo="skip",
                                     legendgroup="prior", showlegend=first,
                                     line={"color": "#666666", "width": 1.5, "dash": "dot"}), row=1, col=col)
        for c, name in enumerate(class_names):
            rows = labels == c
            if not rows.any():
                continue
            fig.add_trace(go.Scatter(x=points[rows, 0], y=points[rows, 1], mode="markers", name=name,
                                     legendgroup=f"class{c}", showlegend=first, hoverinfo="skip",
                                     marker=class_marker(c, size=5, opacity=0.75)),
                          row=1, col=col)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white",
                      font={"size": 13}, uirevision="theatre",  # a legend choice stays as the frames change
                      legend={"orientation": "h", "yanchor": "top", "y": -0.04, "x": 0, "itemsizing": "constant"})
    # x's tick labels left out: the legend sits where they would be, and y's give the scale (the panels are square)
    fig.update_xaxes(range=[-extent, extent], zeroline=False, showgrid=False, constrain="domain", showticklabels=False)
    for col in range(1, len(panels) + 1):
        fig.update_yaxes(range=[-extent, extent], zeroline=False, showgrid=False, constrain="domain",
                         scaleanchor=f"x{col if col > 1 else ''}", scaleratio=1, showticklabels=col == 1, row=1, col=col)
    return fig


def theatre_loss_figure(curves: list[tuple[str, list[dict]]], epoch: int, epochs: int) -> go.Figure:
    """The loss terms per epoch: every model's reconstruction term on one panel, then a panel of each model's
    regulariser terms (KL, MMD, the adversarial ones: each on its own scale, an MMD estimate may dip below 0),
    and a cursor at ``epoch`` across them all, in step with the maps."""
    from plotly.subplots import make_subplots

    regularised = []
    for k, (title, history) in enumerate(curves):
        terms = sorted({key for h in history for key in h if key.startswith("train_")} - {"train_loss", "train_recon"})
        if terms:
            regularised.append((k, title, history, terms))
    rows = 1 + len(regularised)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.12 if rows > 1 else 0.0,
                        subplot_titles=[t("theatre.loss_recon"),
                                        *(t("theatre.loss_terms", model=title,
                                            terms=", ".join(_term_name(term) for term in terms))
                                          for _, title, _, terms in regularised)])
    for k, (title, history) in enumerate(curves):
        fig.add_trace(go.Scatter(x=[h["epoch"] for h in history], y=[h.get("train_recon", h.get("train_loss"))
                                                                   for h in history],
                                 mode="lines+markers", name=title, legendgroup=title, marker=class_marker(k),
                                 line={"color": CLASS_COLOURS[k % len(CLASS_COLOURS)], "width": 2}), row=1, col=1)
    for row, (k, title, history, terms) in enumerate(regularised, start=2):
        for dash, term in zip(("solid", "dash", "dot"), terms):
            fig.add_trace(go.Scatter(x=[h["epoch"] for h in history], y=[h.get(term) for h in history],
                                     mode="lines+markers", legendgroup=title, showlegend=False,
                                     name=f"{title} · {_term_name(term)}", marker=class_marker(k),
                                     line={"color": CLASS_COLOURS[k % len(CLASS_COLOURS)], "width": 2, "dash": dash}),
                          row=row, col=1)
    fig.add_vline(x=epoch, line={"color": "black", "width": 2})
    fig.update_xaxes(range=[-0.2, max(1, epochs) + 0.2], showgrid=False)
    fig.update_xaxes(title_text=t("theatre.epoch_axis"), row=rows, col=1)
    fig.update_layout(height=170 + 150 * rows, margin={"l": 10, "r": 10, "t": 30, "b": 10}, plot_bgcolor="white",
                      font={"size": 13}, legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 1,
                                                 "xanchor": "right"})
    return fig


def _term_name(term: str) -> str:
    """A loss term as the survey writes it: "train_kl" → "KL", "train_mmd" → "MMD", "train_sparsity" → "sparsity"."""
    name = term.removeprefix("train_")
    return name.upper() if name in ("kl", "mmd") else name
