"""Latent map: the test set's codes in 2-D, coloured by class; select to see reconstructions."""

import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.analysis.project import DEFAULT_UMAP, MAX_DRAWN_POINTS, PLACE_K, PROJECTIONS
from explorer.data.images import pictures
from explorer.errors import ExplorerError, MapUnavailable
from explorer.present.figures import (
    add_samples,
    add_thumbnails,
    latent_map_figure,
    map_backdrop_figure,
    mark_points,
    norm_histogram,
)
from explorer.present.i18n import t
from explorer_app import browser_decoder, loaders, state
from explorer_app.map_chart import chart_selection, map_chart, selected_points
from explorer_app.page import PageInput, model_or_error, open_page, show_error
from explorer_app.points_chart import MAX_WEBGL_POINTS, Mark, points_chart
from explorer_app.points_chart import chart_selection as points_selection
from explorer_app.widgets import figure, figure_downloads, file_download, model_label, shown_figure

MAX_SHOWN = 24  # images shown for a selection
CUSTOM_MAP = "custom_map"  # this page's own session key: a recomputed map to show instead of the shipped one
RECOMPUTE_OPEN = "recompute_open"  # whether the expander that recomputes the map is open
PRIOR_SAMPLES = 1000  # samples of N(0, I) and of the mixture placed on the map
FIXED = "flashlight_fixed"  # this page's own session key: the last point clicked on the flashlight


@dataclass(frozen=True)
class MapPage:
    """What the map page's panels read: the page's input and its controls' values."""

    page: PageInput
    others: dict  # the dataset's other models by name: those the map can be compared with
    compare: list[str]
    use_flashlight: bool
    show_thumbnails: bool
    n_thumbnails: int

    @property
    def view(self):
        return self.page.view

    @property
    def images(self) -> np.ndarray:
        return self.page.images

    @property
    def labels(self) -> np.ndarray:
        return self.page.labels

    @property
    def class_names(self) -> list[str]:
        return self.page.view.class_names


def render(page: PageInput) -> None:
    m = controls(page)
    map_panel(m)
    prior_panel(m)
    recompute_panel(m)


def controls(page: PageInput) -> MapPage:
    """The controls above the map: models to compare, the flashlight, the thumbnails."""
    view, images = page.view, page.images
    state.selection(len(images))  # on a session's first run: the selection a shared link carries
    # --- controls ---------------------------------------------------------------------
    others = {info.name: info for info in view.models if info.name != view.model.name}
    left, lamp, middle, right = st.columns([3, 1.3, 1.2, 1.2])
    state.compared_from_url(list(others))
    compare = left.multiselect(t("map.compare"), list(others), max_selections=2, key=state.COMPARE,
                               help=t("map.compare_help"), format_func=lambda n: model_label(others[n]),
                               placeholder=t("pick.placeholder"))
    use_flashlight = lamp.toggle(t("map.flashlight"), key="flashlight", help=t("map.flashlight_help"),
                                 disabled=browser_decoder.failed() is not None)
    show_thumbnails = middle.toggle(t("map.thumbnails"), key="thumbnails", disabled=use_flashlight)
    n_thumbnails = 150
    if show_thumbnails and not use_flashlight:  # shown only when it counts: a disabled slider's label is faint
        n_thumbnails = right.slider(t("map.thumbnails_count"), 50, 500, 150, 50, key="n_thumbnails")
    if browser_decoder.failed() is not None:
        st.caption(t(f"browser.failed_{browser_decoder.failed()}"))
    return MapPage(page, others, compare, use_flashlight, show_thumbnails, n_thumbnails)


def chart_state(m: MapPage) -> tuple:
    """What the main chart draws; when it changes, the chart is redrawn and loses its own selection marks."""
    marks = ((st.session_state.get("nn_metric"), st.session_state.get("nn_k"), tuple(state.selection_so_far()[:1]))
             if st.session_state.get("nn_mark") else None)
    return (m.view.dataset, m.view.model.name, tuple(st.session_state.get("compare", [])),
            st.session_state.get("thumbnails", False), st.session_state.get("n_thumbnails"),
            repr(st.session_state.get(CUSTOM_MAP)), marks, st.session_state.get("prior_on_map", False))


def on_map_select(m: MapPage) -> None:
    # A selection made on the chart is already drawn there by Plotly; leaving the figure
    # as it is spares the browser a redraw of every point (docs/performance.md: 690 → 331 ms).
    chosen = selected_points(chart_selection("map_chart"), len(m.images), state.MAX_SELECTION)
    state.set_selection(chosen, shown_by_chart=chart_state(m))


def the_map(m: MapPage, info, whole: bool = False):
    """The map to draw for a model: a recomputed one if asked for, else the shipped one; and its caption.

    A map of many points comes as a uniform sample that Plotly and the flashlight draw quickly, or ``whole``
    for the map of many points (:func:`many_points_map`)."""
    custom = st.session_state.get(CUSTOM_MAP)
    if custom and custom["dataset"] == m.view.dataset and custom["model"] == info.name:
        latent_map = loaders.projected_map(info, **custom["spec"])[0]
        latent_map = latent_map if whole else latent_map.drawn()
        return latent_map, t("recompute.using") + " " + map_caption(latent_map)
    latent_map = loaders.shipped_map(info)
    if latent_map is None:
        return None, t("map.no_map", model=model_label(info))
    latent_map = latent_map if whole else latent_map.drawn()
    if latent_map.params.get("stand_in"):  # no stored map: PCA now, UMAP from the background job
        job = loaders.map_job(info)
        if job.state == "failed":
            key, *fields = job.message
            reason = t(key, **{k: state.printable(str(v), 120) for k, v in fields})
            return latent_map, t("map.stand_in_failed", reason=reason) + " " + map_caption(latent_map)
        said = t("map.stand_in") if job.state == "running" else t("map.stand_in_off")
        return latent_map, said + " " + map_caption(latent_map)
    return latent_map, map_caption(latent_map)


@state.fragment(run_every=2.0)
def map_coming(info) -> None:
    """While a model's UMAP map is made in the background: the page again once it is there (or failed)."""
    if loaders.map_job(info).state != "running":
        st.rerun(scope="app")


def many_points(latent_map) -> bool:
    """Whether a map is drawn by the map of many points (every point, by WebGL) rather than Plotly."""
    return latent_map.dims == 2 and len(latent_map.xy) > MAX_DRAWN_POINTS


def flashlight_panel(m: MapPage, shown_models: list) -> bool:
    """The map decoded under the pointer, in the browser; False (said why) where it cannot be drawn."""
    try:
        latent_map, caption = the_map(m, m.view.model)
    except MapUnavailable as err:
        show_error(err, model_label(m.view.model))
        return True
    if latent_map is None:
        st.info(caption)
        return True
    if latent_map.dims != 2:
        st.caption(t("map.flashlight_2d_only"))
        return False
    models = []
    for info in shown_models:
        plane = info == m.view.model and latent_map.method == "latent"  # a latent-2 model: the position is the code
        try:
            codes = None if plane else np.asarray(loaders.test_codes(info))[latent_map.indices]
            models.append(browser_decoder.browser_model(info, model_label(info), codes))
        except browser_decoder.BrowserDecoderUnavailable as err:
            st.caption(browser_decoder.unavailable_message(err, model_label(info)))
        except ExplorerError as err:
            show_error(err, model_label(info))
    if not models:
        return False
    clicked = browser_decoder.flashlight(models, latent_map.xy, m.labels[latent_map.indices], m.class_names,
                                         key="flashlight_view", height=520)
    point = browser_decoder.kept_point(clicked, len(latent_map.xy))
    if point is not None and clicked != st.session_state.get(FIXED, {}).get("value"):
        st.session_state[FIXED] = {"value": clicked, "point": point, "model": m.view.model.name,
                                   "dataset": m.view.dataset}
        state.set_selection([int(latent_map.indices[point[2]])])
    st.caption(caption)
    fixed = st.session_state.get(FIXED)
    if fixed and (fixed["dataset"], fixed["model"]) == (m.view.dataset, m.view.model.name):
        fixed_point(m, fixed["point"], latent_map, models)
    return True


def fixed_point(m: MapPage, point: tuple, latent_map, models: list) -> None:
    """The clicked point decoded on the server: what the browser showed there, now kept by the page."""
    import torch

    from explorer.analysis.inverse import map_to_code
    from explorer.analysis.latent import decode

    x, y, _, k = point
    st.markdown(t("map.fixed", x=x, y=y))
    shown, captions = [], []
    for shown_model in models:
        model = model_or_error(shown_model.info)
        if model is None:
            continue
        code = (np.array([[x, y]], dtype=np.float32) if shown_model.codes is None
                else map_to_code(latent_map.xy, shown_model.codes, np.array([[x, y]]), k=k))
        shown.append(pictures(decode(model, torch.from_numpy(code)))[0])
        captions.append(shown_model.label)
    st.image(shown, width=112, caption=captions, alt=[t("alt.decoded_at", model=c) for c in captions])


@state.fragment
def map_panel(m: MapPage) -> None:
    shown_models = [m.view.model] + [m.others[n] for n in m.compare if n in m.others]
    if m.use_flashlight and browser_decoder.failed() is None and flashlight_panel(m, shown_models):
        selection_panel(m, shown_models, state.selection(len(m.images)))
        return
    selection = state.selection(len(m.images))
    drawn = chart_state(m)
    ring = [] if state.selection_shown_by() == drawn else selection
    if len(shown_models) == 1:
        # One map: the selection beside it, as the Embedding Projector's inspector. The map keeps
        # its size on screen (equal axes) while its WebGL canvas covers no empty margins: in a
        # browser without a GPU the canvas's area is most of the cost of a redraw.
        map_column, side = st.columns([3, 2], gap="medium")
        columns = [map_column]
    else:
        columns, side = st.columns(len(shown_models)), None
    for column, info in zip(columns, shown_models):
        with column:
            try:
                latent_map, caption = the_map(m, info, whole=True)
            except MapUnavailable as err:
                show_error(err, model_label(info))
                continue
            if latent_map is None:
                st.info(caption)
                continue
            if many_points(latent_map):
                many_points_map(m, info, latent_map, ring if info == m.view.model else selection, len(shown_models))
                continue
            fig = latent_map_figure(latent_map.xy, m.labels[latent_map.indices], m.class_names, latent_map.indices,
                                    selected=ring if info == m.view.model else selection,
                                    title=model_label(info) if len(shown_models) > 1 else None,
                                    height=600 if len(shown_models) == 1 else 460)
            if info == m.view.model and st.session_state.get("prior_on_map"):
                placed = prior_samples(m, info, latent_map)
                if placed is not None:
                    for (name, xy, _), (colour, symbol) in zip(placed, (("#7f7f7f", "cross"),
                                                                         ("#111111", "triangle-up"))):
                        add_samples(fig, xy, name, colour, symbol)
            if info == m.view.model and selection and st.session_state.get("nn_mark"):
                code_idx, _, pixel_idx, _ = neighbours(m, selection[0])
                mark_points(fig, latent_map.xy, latent_map.indices, code_idx, t("map.nn_code_short"), "diamond")
                mark_points(fig, latent_map.xy, latent_map.indices, pixel_idx, t("map.nn_pixels_short"), "x")
            if m.show_thumbnails and latent_map.dims == 2:
                rows = np.random.default_rng(1).choice(len(latent_map.xy), min(m.n_thumbnails, len(latent_map.xy)),
                                                       replace=False)
                add_thumbnails(fig, latent_map.xy, m.images[latent_map.indices], m.labels[latent_map.indices], rows)
            key = "map_chart" if info == m.view.model else f"map_chart_{info.name}"
            if latent_map.dims == 2:  # one chart kept in the page, the new figure drawn into it
                # Plotly's own selection marks last while the map draws the same thing and the
                # selection is not set elsewhere (the clear button, a link)
                map_chart(shown_figure(fig), key, fig.layout.height, view=f"{m.view.dataset}/{info.name}",
                          drawn=repr((drawn, state.selection_set_elsewhere())), selectable=info == m.view.model,
                          on_select=(lambda: on_map_select(m)) if info == m.view.model else None,
                          toolbar=not state.presenting())
            else:  # a recomputed 3-D map: Plotly's 3-D scatter, turned with the mouse (no selection in 3-D)
                st.plotly_chart(shown_figure(fig), key=key, config={"displaylogo": False})
            st.caption(caption)
            if latent_map.params.get("stand_in") and loaders.map_job(info).state == "running":
                map_coming(info)
            map_downloads(m, info, latent_map, fig)
    with side if side is not None else st.container():
        selection_panel(m, shown_models, selection)


def many_points_map(m: MapPage, info, latent_map, selected: list[int], n_maps: int) -> None:
    """A map of more than MAX_DRAWN_POINTS points: every one drawn by WebGL (explorer_app.points_chart), with the
    same thumbnails, prior samples, neighbours and selection as Plotly's map; above what a browser holds, the
    density of all of them and the points under the view."""
    custom = st.session_state.get(CUSTOM_MAP)
    which = repr(custom["spec"]) if custom and (custom["dataset"], custom["model"]) == (m.view.dataset, info.name) \
        else "shipped"
    points = loaders.points_map(info, which, latent_map)
    main = info == m.view.model
    marks = []
    if main and st.session_state.get("prior_on_map"):
        placed = prior_samples(m, info, latent_map)
        for (name, xy, _), (colour, symbol) in zip(placed or [], (("#7f7f7f", "cross"), ("#111111", "triangle-up"))):
            marks.append(Mark(name, xy, colour, symbol))
    if main and selected and st.session_state.get("nn_mark"):
        code_idx, _, pixel_idx, _ = neighbours(m, selected[0])
        for idx, name, symbol in ((code_idx, t("map.nn_code_short"), "diamond"), (pixel_idx, t("map.nn_pixels_short"), "x")):
            marks.append(Mark(name, latent_map.xy[np.isin(latent_map.indices, idx)], "#111111", symbol))
    thumbnails = None
    if m.show_thumbnails:
        rows = np.sort(np.random.default_rng(1).choice(len(latent_map.xy), min(m.n_thumbnails, len(latent_map.xy)),
                                                       replace=False))
        thumbnails = (rows, np.asarray(m.images[latent_map.indices[rows]]))
    if n_maps > 1:
        st.markdown(f"**{model_label(info)}**")
    key = "map_points" if main else f"map_points_{info.name}"
    points_chart(points, m.class_names, key, height=600 if n_maps == 1 else 460, selected=selected,
                 thumbnails=thumbnails, marks=marks, on_select=(lambda: on_points_select(m, key)) if main else None,
                 projector=state.presenting())
    st.caption(map_caption(latent_map) + " " + (
        t("map.drawn_density", limit=MAX_WEBGL_POINTS, total=points.n) if points.lod
        else t("map.drawn_webgl", n=points.n)))
    map_downloads(m, info, latent_map, lambda: map_backdrop_figure(
        latent_map.xy, m.labels[latent_map.indices], m.class_names, latent_map.indices, selected))


def on_points_select(m: MapPage, key: str) -> None:
    chosen = selected_points(points_selection(st.session_state.get(key)), len(m.images), state.MAX_SELECTION)
    state.set_selection(chosen)


def prior_samples(m: MapPage, info, latent_map):
    """N(0, I) and mixture samples of the model placed on its map: [(name, positions, codes)], or None."""
    from explorer.analysis.project import place_codes
    from explorer.samplers import NormalSampler

    try:
        codes = np.asarray(loaders.test_codes(info))[latent_map.indices]
        sampler, _, _ = loaders.gmm_sampler(info)
    except ExplorerError as err:
        show_error(err, model_label(info))
        return None
    drawn = [(t("map.prior_normal"), NormalSampler(info.latent_dim).sample(PRIOR_SAMPLES, seed=0).numpy()),
             (t("map.prior_mixture"), np.asarray(sampler.sample(PRIOR_SAMPLES, seed=0)))]
    return [(name, place_codes(latent_map, codes, z)[0], z) for name, z in drawn]


def prior_panel(m: MapPage) -> None:
    """Where the prior's samples land among the data, and their norms against the chi distribution."""
    st.subheader(t("map.prior_title"))
    st.caption(t("map.prior_intro", n=PRIOR_SAMPLES))
    st.toggle(t("map.prior_on_map"), key="prior_on_map")
    if not st.session_state.get("prior_on_map"):
        return
    try:
        latent_map, _ = the_map(m, m.view.model)
    except MapUnavailable as err:
        show_error(err, model_label(m.view.model))
        return
    placed = prior_samples(m, m.view.model, latent_map) if latent_map is not None else None
    if placed is None:
        return
    codes = np.asarray(loaders.test_codes(m.view.model))
    norms = {t("map.prior_data"): np.linalg.norm(codes, axis=1),
             **{name: np.linalg.norm(z, axis=1) for name, _, z in placed}}
    figure(norm_histogram(norms, m.view.model.latent_dim), f"norms-{m.view.dataset}-{m.view.model.name}", "prior_norms",
           config={"displaylogo": False})
    inside = {name: float(np.mean(v <= np.quantile(norms[t("map.prior_data")], 0.99))) for name, v in norms.items()}
    st.caption(t("map.prior_norms", d=m.view.model.latent_dim, data=float(np.median(norms[t("map.prior_data")])),
                 prior=float(np.median(norms[t("map.prior_normal")])),
                 expected=float(np.sqrt(max(m.view.model.latent_dim - 0.5, 0.5))),
                 inside=inside[t("map.prior_normal")]))


def map_downloads(m: MapPage, info, latent_map, fig) -> None:
    """The map as PNG / SVG, its coordinates as CSV, the codes as .npy: each made when clicked."""
    from explorer.present.exports import array_npy, map_csv

    name = f"map-{m.view.dataset}-{info.name}"
    with st.container(horizontal=True):
        file_download(t("download.map_csv"),
                      lambda: map_csv(latent_map.xy, latent_map.indices, m.labels, m.class_names), f"{name}.csv",
                      "text/csv", f"csv_{info.name}")
        file_download(t("download.codes_npy"),
                      lambda: array_npy(np.asarray(loaders.test_codes(info))[latent_map.indices]),
                      f"codes-{m.view.dataset}-{info.name}.npy", "application/octet-stream", f"npy_{info.name}")
        figure_downloads(fig, name, f"map_{info.name}")
    if info == m.view.model and latent_map.dims == 2:
        offline_export(m)


def offline_export(m: MapPage) -> None:
    """This view as a folder that opens from file:// (explorer_app/site): made on a click, then downloaded."""
    from explorer.errors import ExplorerError
    from explorer_app.site import site_zip

    names = [m.view.model.name, *(n for n in m.compare if n in m.others)]
    wanted = (m.view.dataset, tuple(names), state.language())
    made = st.session_state.get("site_zip")
    if (made is None or made[0] != wanted) and st.button(t("site.prepare"), key="site_prepare",
                                                         help=t("site.prepare_help"), icon=":material/folder_zip:"):
        try:
            with st.spinner(t("site.preparing")):
                made = st.session_state["site_zip"] = (wanted, site_zip(m.view.dataset, names, state.language()))
        except ExplorerError as err:
            st.warning(t("site.refused", reason=err.reason))
            return
    if made is not None and made[0] == wanted:
        data = made[1]
        file_download(t("site.download"), lambda: data, f"explorer-{m.view.dataset}.zip", "application/zip", "site_dl")


def selection_panel(m: MapPage, shown_models, selection: list[int]) -> None:
    st.subheader(t("map.selection"))
    if not selection:
        st.caption(t("map.selection_empty"))
        return
    import torch

    from explorer.analysis.latent import reconstruct
    from explorer.data.datasets import to_float
    from explorer.metrics.measure import mse_per_image

    shown = selection[:MAX_SHOWN]
    st.caption(t("map.selection_count", n=len(selection), shown=len(shown)))
    st.button(t("map.clear"), on_click=state.set_selection, args=([],), key="clear_selection")
    originals = to_float(torch.from_numpy(np.array(m.images[shown])))
    described = [t("map.original", index=i, label=m.class_names[int(m.labels[i])]) for i in shown]
    st.image([m.images[i] for i in shown], width=72, caption=described, alt=described)
    for info in shown_models:
        model = model_or_error(info)
        if model is None:
            continue
        recon = reconstruct(model, originals)
        errors = mse_per_image(recon, originals).tolist()
        st.markdown(t("page.model_heading", model=model_label(info)))
        st.image(pictures(recon), width=72, caption=[t("map.error", mse=e) for e in errors],
                 alt=[t("alt.reconstruction", index=i, model=model_label(info)) for i in shown])
    neighbours_panel(m, selection[0], shown_models)


def neighbours(m: MapPage, index: int, info=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The selected image's nearest test images in a model's code space (the sidebar's by default)
    and in pixel space: (code indices, their distances, pixel indices, their distances)."""
    from explorer.analysis.neighbours import nearest

    metric, k = st.session_state.get("nn_metric", "euclidean"), int(st.session_state.get("nn_k", 8))
    codes = np.asarray(loaders.test_codes(info or m.view.model))
    code_idx, code_dist = nearest(codes, codes[[index]], k, metric, exclude=np.array([index]))
    # uint8 pictures scaled chunk by chunk: a dataset of a million images is never copied to floats whole
    pixel_idx, pixel_dist = nearest(m.images, m.images[[index]], k, metric, exclude=np.array([index]), scale=1 / 255)
    return code_idx[0], code_dist[0], pixel_idx[0], pixel_dist[0]


def neighbours_panel(m: MapPage, index: int, shown_models: list) -> None:
    """The same image's neighbours in each shown model's code space, then in pixel space."""
    from explorer.analysis.neighbours import METRICS

    st.markdown(t("map.nn_title", index=index, label=m.class_names[int(m.labels[index])]))
    left, middle, right = st.columns([2, 2, 1.4])
    left.radio(t("map.nn_metric"), METRICS, key="nn_metric", horizontal=True,
               format_func=lambda m: t(f"map.nn_{m}"))
    middle.slider(t("map.nn_k"), 4, 16, 8, key="nn_k")
    right.toggle(t("map.nn_mark"), key="nn_mark", help=t("map.nn_mark_help"))
    label = int(m.labels[index])
    rows, pixel_idx, pixel_dist = [], None, None
    for info in shown_models:
        try:
            code_idx, code_dist, pixel_idx, pixel_dist = neighbours(m, index, info)
        except ExplorerError as err:
            show_error(err, model_label(info))
            continue
        rows.append((t("map.nn_code", model=model_label(info)), code_idx, code_dist))
    if pixel_idx is None:
        return
    for heading, idx, dist in (*rows, (t("map.nn_pixels"), pixel_idx, pixel_dist)):
        st.caption(heading)
        described = [t("map.nn_caption", index=int(j), label=m.class_names[int(m.labels[j])], d=float(d))
                     for j, d in zip(idx, dist)]
        st.image([m.images[j] for j in idx], width=56, caption=described, alt=described)
    for heading, idx, _ in rows:
        st.caption(t("map.nn_summary", model=heading, shared=len(set(idx) & set(pixel_idx)), k=len(idx),
                     code_same=int((m.labels[idx] == label).sum()), pixel_same=int((m.labels[pixel_idx] == label).sum())))


def recompute_panel(m: MapPage) -> None:
    """The map recomputed by UMAP, PCA or t-SNE on demand (one fit at a time per server, cached on disk)."""
    # --- recompute ------------------------------------------------------------------
    # Its controls run only while it is open: a closed expander's widgets would otherwise be
    # sent and drawn again on every rerun, a model switch's included (docs/performance.md).
    recompute = st.expander(t("recompute.title"), key=RECOMPUTE_OPEN, on_change="rerun")
    if recompute.open:
        with recompute:
            st.caption(t("recompute.intro"))
            m1, m2 = st.columns(2)
            method = m1.radio(t("recompute.method"), list(PROJECTIONS), key="proj_method", horizontal=True,
                              format_func=lambda m: t(f"projection.{m}"))
            dims = m2.radio(t("recompute.dims"), [2, 3], key="proj_dims", horizontal=True,
                            format_func=lambda d: t("recompute.dims_value", dims=d))
            with st.form("recompute"):
                c1, c2, c3, c4 = st.columns(4)
                n_points = c1.select_slider(t("recompute.points"),
                                            options=list(range(1000, len(m.images) + 1, 1000)) or [len(m.images)],
                                            value=min(5000, len(m.images)))
                params = {}
                if method == "umap":
                    params["n_neighbors"] = int(c2.slider(t("recompute.neighbors"), 2, 100, DEFAULT_UMAP["n_neighbors"]))
                    params["min_dist"] = float(c3.slider(t("recompute.min_dist"), 0.0, 0.99, DEFAULT_UMAP["min_dist"],
                                                         0.01))
                elif method == "tsne":
                    params["perplexity"] = float(c2.slider(t("recompute.perplexity"), 5, 100,
                                                           int(PROJECTIONS["tsne"]["perplexity"])))
                seed = c4.number_input(t("recompute.seed"), 0, 2**31 - 1, DEFAULT_UMAP["seed"], 1,
                                       disabled=method == "pca")
                submitted = st.form_submit_button(t("recompute.run"), type="primary")
            if submitted:
                spec = {"method": method, "dims": int(dims), "n_points": int(n_points),
                        "seed": 0 if method == "pca" else int(seed), "params": params}
                with st.status(t("recompute.title"), expanded=True) as status:
                    start = time.perf_counter()
                    try:
                        _, cached = loaders.projected_map(m.view.model, report=status.write, **spec)
                    except (ValueError, RuntimeError, OSError, ExplorerError) as err:
                        # a fit can fail on degenerate codes, the cache on a full disk: say so, keep the shipped map
                        reason = (err.reason if isinstance(err, ExplorerError)
                                  else err.strerror if isinstance(err, OSError) else err)
                        status.update(label=t("recompute.failed", error=state.printable(str(reason), 200)), state="error")
                    else:
                        status.update(label=t("recompute.cached") if cached
                                      else t("recompute.done", seconds=time.perf_counter() - start),
                                      state="complete", expanded=False)
                        st.session_state[CUSTOM_MAP] = {"dataset": m.view.dataset, "model": m.view.model.name, "spec": spec}
                        st.rerun()
    if st.session_state.get(CUSTOM_MAP):
        st.button(t("recompute.back"), on_click=lambda: st.session_state.pop(CUSTOM_MAP, None))


def map_caption(latent_map) -> str:
    """What a map is: its method and parameters (the seed included), and how faithful it is where measured."""
    params = latent_map.params
    n = params.get("drawn_of", len(latent_map.xy))
    if latent_map.method == "latent":
        caption = t("map.caption_latent", n=n)
    elif latent_map.method == "pca":
        shares = " + ".join(f"{v:.0%}" for v in params.get("explained_variance", []))
        caption = t("map.caption_pca", n=n, dims=latent_map.dims, variance=shares or "?")
    elif latent_map.method == "tsne":
        caption = t("map.caption_tsne", n=n, dims=latent_map.dims, perplexity=params.get("perplexity", 30.0),
                    seed=params.get("seed", 0))
    else:
        caption = t("map.caption_umap", n=n, dims=latent_map.dims, **{**DEFAULT_UMAP, **params})
        if params.get("backend") == "cuml":
            caption += " " + t("map.umap_gpu")
        if "fitted_on" in params:
            caption += " " + t("map.umap_fitted_on", fitted=params["fitted_on"], placed=params.get("placed", 0),
                               k=PLACE_K)
    if "drawn_of" in params:
        caption += " " + t("map.drawn_sample", shown=len(latent_map.xy), total=params["drawn_of"])
    faithful = params.get("faithfulness")
    if isinstance(faithful, dict) and {"trustworthiness", "knn_kept", "k", "points"} <= set(faithful):
        caption += " " + t("map.faithfulness", trust=faithful["trustworthiness"], kept=faithful["knn_kept"],
                           k=faithful["k"], points=faithful["points"])
    return caption

if __name__ == "__main__":
    render(open_page("map.title", "map.intro"))
