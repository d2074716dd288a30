"""The tour: the survey in nine steps, each a short text and a live view with preset values, drawn by the
pages' own functions. Next / previous (Page Down / Page Up, the arrow keys: what a clicker sends), the
step in the URL, and a room: a presenter's link moves every audience browser that follows it."""

import contextlib
import os

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from explorer.analysis.latent import code_sensitivity, crossfade, decode, encode, encode_posterior, interpolate
from explorer.data.corrupt import CORRUPTIONS
from explorer.data.datasets import DATASETS, to_float
from explorer.data.images import grid, pictures
from explorer.errors import ExplorerError
from explorer.present.figures import code_figure
from explorer.present.i18n import t
from explorer.present.rooms import Rooms
from explorer.samplers import NormalSampler
from explorer.training import theatre
from explorer_app import loaders, page_script, room_routes, room_view, state
from explorer_app.page import PageInput, map_with_codes, model_or_error, open_page
from explorer_app.panels import (
    accuracy_figure,
    denoising_rows,
    feature_rows,
    generative_models,
    plane_figure,
    reduction_figure,
    stored_figures,
    table,
)
from explorer_app.scripts import page_keys
from explorer_app.theatre import Panel, run_label, run_panel, say
from explorer_app.theatre import zoo as theatre_zoo
from explorer_app.widgets import figure, image_picker, model_label

N_STEPS = 11
THEATRE_STEP = 11
# Each step's controls and the values it starts from: what a room carries from presenter to audience.
PRESETS = {
    1: {"tour_image": 0, "tour_latent": 2},
    2: {"tour_image": 0, "tour_size": 16},
    3: {"tour_noise": "gaussian", "tour_level": 0.5},
    4: {"tour_sigma": 0.05},
    5: {"tour_image": 0, "tour_eps1": 1.0, "tour_eps2": -0.5},
    6: {"tour_seed": 0},
    7: {"tour_image": 0, "tour_ellipse": 1.0},
    8: {"tour_a": 3, "tour_b": 2, "tour_steps": 8},
    9: {},
    10: {},
    THEATRE_STEP: {"tour_run": "", "tour_epoch": 0},
}
# What a control accepts (a room's values are checked against it): its options, or its (lowest, highest).
OPTIONS = {"tour_latent": (2, 16), "tour_size": (2, 16), "tour_noise": tuple(CORRUPTIONS), "tour_ellipse": (1.0, 2.0)}
RANGES = {"tour_level": (0.0, 1.0), "tour_sigma": (0.01, 0.2), "tour_eps1": (-3.0, 3.0), "tour_eps2": (-3.0, 3.0),
          "tour_steps": (4, 16), "tour_seed": (0, 2**31 - 1), "tour_epoch": (0, theatre.MAX_EPOCHS)}
IMAGES = ("tour_image", "tour_a", "tour_b")  # test indices: 0 … the split's size − 1
DENOISED = 8  # images in step 3
SENSITIVITY_IMAGES = 500
FOLLOWED = "tour_room_version"  # the version of the room this audience browser last took
FOLLOWING = "tour_follow"


def room_registry() -> Rooms:
    """This server's rooms (bounded, expiring: explorer/present/rooms.py; shared by the replicas behind a proxy where
    EXPLORER_ROOMS_REDIS names a store), the same object as the app's own room routes serve."""
    return room_routes.registry()


def model_named(view, name: str):
    """The dataset's model ``name`` ("vae-z2"), or None."""
    return next((m for m in view.models if m.name == name), None)


def needs(view, *names: str) -> list | None:
    """The named models, loaded; or None after saying which ones this zoo lacks."""
    infos = [model_named(view, name) for name in names]
    missing = [name for name, info in zip(names, infos) if info is None]
    if missing:
        st.info(t("tour.missing", models=", ".join(missing)))
        return None
    models = [model_or_error(info) for info in infos]
    return None if any(m is None for m in models) else list(zip(infos, models))


def accepted(key: str, value, preset, n_images: int):
    """``value`` as the control ``key`` takes it, or None if it does not."""
    if isinstance(preset, float) and type(value) in (int, float):
        value = float(value)
    if type(value) is not type(preset):
        return None
    lo, hi = (0, n_images - 1) if key in IMAGES else RANGES.get(key, (None, None))
    if key in OPTIONS and value not in OPTIONS[key] or lo is not None and not lo <= value <= hi:
        return None
    if key == "tour_run" and value and not theatre.RUN_ID.match(value):  # a run's id, never a path
        return None
    return value


def apply_presets(step: int, n_images: int, values: dict | None = None) -> None:
    """Put the step's controls at their preset values, or at the ``values`` a room sent where they are valid."""
    for key, preset in PRESETS[step].items():
        value = accepted(key, (values or {}).get(key, preset), preset, n_images)
        st.session_state[key] = preset if value is None else value


def go_to(step: int, n_images: int) -> None:
    state.set_tour_step(step)
    apply_presets(step, n_images)


def current_values(step: int) -> dict:
    return {key: st.session_state[key] for key in PRESETS[step] if key in st.session_state}


# --- the steps ---------------------------------------------------------------------------------


def image_and_plain_ae(page: PageInput, size_label_key: str, size_key: str):
    """The step's controls: a test image and a code size (2 or 16). Returns (the column beside them, the
    size, the plain AE of that size, the image as the model's input), or None if the zoo lacks the AE."""
    left, right = st.columns([1, 2])
    with left:
        index = image_picker(t("tour.image"), "tour_image", page.images, page.labels, page.view.class_names, 0)
        size = st.radio(t(size_label_key), [2, 16], key=size_key, horizontal=True,
                        format_func=lambda d: t("tour.numbers", d=d))
    loaded = needs(page.view, f"ae-z{size}")
    if loaded is None:
        return None
    (info, model), = loaded
    return right, size, (info, model), to_float(torch.from_numpy(np.array(page.images[[index]])))


def bottleneck(page: PageInput) -> None:
    chosen = image_and_plain_ae(page, "tour.s1_latent", "tour_latent")
    if chosen is None:
        return
    right, latent, (_, model), x = chosen
    z = encode(model, x)
    recon = decode(model, z)
    with right:
        figure(code_figure(z[0].numpy()), "tour_code", "tour_code", config={"displaylogo": False})
        described = [t("tour.s1_input", n=x[0].numel()), t("tour.s1_output", d=latent, mse=float(((recon - x) ** 2).mean()))]
        st.image(pictures(torch.cat([x, recon])), width=140, caption=described, alt=described)


@st.cache_resource(show_spinner=False, max_entries=4)
def pca_of(dataset: str, size: int):
    """PCA with ``size`` components, fitted on the test split (the survey's §2: a linear AE learns its span)."""
    from sklearn.decomposition import PCA

    images = loaders.test_split(dataset)[0]
    return PCA(size, random_state=0).fit(images.reshape(len(images), -1).astype(np.float32) / 255.0)


def pca_step(page: PageInput) -> None:
    chosen = image_and_plain_ae(page, "tour.s2_size", "tour_size")
    if chosen is None:
        return
    right, size, (info, model), x = chosen
    pca = pca_of(page.view.dataset, size)
    flat = x.reshape(1, -1).numpy()
    by_pca = torch.from_numpy(pca.inverse_transform(pca.transform(flat)).clip(0, 1).reshape(x.shape)).float()
    by_ae = decode(model, encode(model, x))
    with right:
        described = [t("tour.s1_input", n=x[0].numel()), t("tour.s2_pca", d=size, mse=float(((by_pca - x) ** 2).mean())),
                     t("tour.s2_ae", model=model_label(info), mse=float(((by_ae - x) ** 2).mean()))]
        st.image(pictures(torch.cat([x, by_pca, by_ae])), width=140, caption=described, alt=described)
    figures, _, baselines = stored_figures(page.view)
    curve, linear = (baselines or {}).get("pca_curve"), (baselines or {}).get("linear_ae")
    if curve:
        figure(reduction_figure(curve, linear, figures), "tour_reduction", "tour_reduction",
               config={"displaylogo": False})


def denoising_step(page: PageInput) -> None:
    c1, c2 = st.columns(2)
    kind = c1.selectbox(t("denoise.kind"), list(CORRUPTIONS), key="tour_noise", format_func=lambda k: t(f"noise.{k}"))
    level = c2.slider(t("denoise.level"), 0.0, 1.0, key="tour_level", step=0.05)
    loaded = needs(page.view, "dae-z16", "ae-z16")
    if loaded is not None:
        denoising_rows(page.images, list(range(DENOISED)), kind, level, 0, *loaded)


def sparse_contractive_step(page: PageInput) -> None:
    sigma = st.slider(t("tour.s4_sigma"), 0.01, 0.2, key="tour_sigma", step=0.01)
    loaded = needs(page.view, "ae-z16", "sparse-z16", "contractive-z16")
    if loaded is None:
        return
    images = torch.from_numpy(np.array(page.images[:SENSITIVITY_IMAGES]))
    sparse_caption = None
    hist = make_subplots(rows=1, cols=len(loaded), subplot_titles=[model_label(info) for info, _ in loaded])
    moved = go.Figure()
    for column, (info, model) in enumerate(loaded, start=1):
        codes = loaders.test_codes(info)
        hist.add_trace(go.Histogram(x=codes.ravel(), nbinsx=40, histnorm="probability",
                                    marker_color="#4c78a8", showlegend=False), row=1, col=column)
        if info.kind == "sparse" and model.config.sparsity == "kl":
            hist.add_vline(x=model.config.rho, line_dash="dot", line_color="black", row=1, col=column)
            means = codes.mean(axis=0)
            sparse_caption = t("tour.s4_hist_caption", rho=model.config.rho, lo=means.min(), hi=means.max())
        moved.add_trace(go.Box(y=code_sensitivity(model, images, sigma).numpy(), name=model_label(info),
                               boxpoints=False))
    hist.update_layout(height=280, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    hist.update_xaxes(title_text=t("fig7.code_axis"))
    moved.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False,
                        title=t("tour.s4_moved_title", sigma=sigma), yaxis_title=t("tour.s4_moved_axis"))
    figure(hist, "tour_activations", "tour_activations", config={"displaylogo": False})
    if sparse_caption:
        st.caption(sparse_caption)
    figure(moved, "tour_moved", "tour_moved", config={"displaylogo": False})


def reparameterisation_step(page: PageInput) -> None:
    loaded = needs(page.view, "vae-z2")
    if loaded is None:
        return
    (info, model), = loaded
    left, right = st.columns([1, 2])
    with left:
        index = image_picker(t("tour.image"), "tour_image", page.images, page.labels, page.view.class_names, 0)
        e1 = st.slider(t("tour.s5_eps", i=1), -3.0, 3.0, key="tour_eps1", step=0.1)
        e2 = st.slider(t("tour.s5_eps", i=2), -3.0, 3.0, key="tour_eps2", step=0.1)
    x = to_float(torch.from_numpy(np.array(page.images[[index]])))
    mu, logvar = encode_posterior(model, x)
    sigma = (0.5 * logvar).exp()
    z = mu + sigma * torch.tensor([[e1, e2]])  # the reparameterisation trick (Kingma & Welling 2014, §2.4)
    with left:
        st.markdown(t("tour.s5_formula", mu=fmt(mu[0]), sigma=fmt(sigma[0]), eps=fmt(torch.tensor([e1, e2])), z=fmt(z[0])))
        described = [t("tour.s5_input"), t("tour.s5_mean"), t("tour.s5_sample")]
        st.image(pictures(torch.cat([x, decode(model, mu), decode(model, z)])), width=100, caption=described,
                 alt=described)
    with right:
        shown = np.sort(np.random.default_rng(0).choice(len(page.images), min(300, len(page.images)), replace=False))
        fig, _ = plane_figure([info], page.labels, page.view.class_names, shown, index, 1.0, height=460)
        fig.add_trace(go.Scatter(x=[float(z[0, 0])], y=[float(z[0, 1])], mode="markers", name=t("tour.s5_z"),
                                 marker={"symbol": "x", "size": 16, "color": "black"}))
        # A posterior is narrow beside the prior: zoom on it, so ε visibly moves z inside the ellipse.
        reach = max(3.5 * float(sigma.max()), 0.25)
        fig.update_xaxes(range=[float(mu[0, 0]) - reach, float(mu[0, 0]) + reach])
        fig.update_yaxes(range=[float(mu[0, 1]) - reach, float(mu[0, 1]) + reach])
        figure(fig, "tour_plane", "tour_plane", config={"displaylogo": False})
        st.caption(t("tour.s5_zoom", reach=reach, sigma=fmt(sigma[0])))


def fmt(vector: torch.Tensor) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in vector.tolist()) + ")"


def generating_step(page: PageInput) -> None:
    seed = int(st.number_input(t("sample.seed"), 0, 2**31 - 1, key="tour_seed"))
    loaded = needs(page.view, "vae-z16", "ae-z16")
    if loaded is None:
        return
    (vae_info, vae), (ae_info, ae) = loaded
    side = 6
    real = np.random.default_rng(seed).choice(len(page.images), side * side, replace=False)
    mixture = loaders.gmm_sampler(ae_info)[0]
    panels = [(t("tour.s6_real"), torch.from_numpy(np.array(page.images[np.sort(real)]))),
              (t("tour.s6_prior", model=model_label(vae_info)), decode(vae, NormalSampler(16).sample(side * side, seed))),
              (t("tour.s6_prior", model=model_label(ae_info)), decode(ae, NormalSampler(16).sample(side * side, seed))),
              (t("tour.s6_mixture", model=model_label(ae_info)), decode(ae, mixture.sample(side * side, seed)))]
    for column, (title, images) in zip(st.columns(4), panels):
        column.markdown(t("pick.heading", label=title))
        column.image(grid(images, ncols=side), width="stretch", alt=t("alt.grid_of", title=title))


def figure7_step(page: PageInput) -> None:
    models = generative_models(page.view, latent_dim=2)
    if len(models) < 2:
        st.info(t("fig7.no_plane"))
        return
    left, right = st.columns([1, 2])
    with left:
        index = image_picker(t("tour.image"), "tour_image", page.images, page.labels, page.view.class_names, 0)
    n_sigma = right.radio(t("fig7.n_sigma"), [1.0, 2.0], horizontal=True, key="tour_ellipse",
                          format_func=lambda s: t("fig7.sigma", n=s))
    shown = np.sort(np.random.default_rng(0).choice(len(page.images), min(300, len(page.images)), replace=False))
    fig, _ = plane_figure(models, page.labels, page.view.class_names, shown, index, n_sigma)
    figure(fig, "tour_fig7", "tour_fig7", config={"displaylogo": False})
    for column, info in zip(st.columns(len(models)), models):
        column.caption(t(f"fig7.reads_{info.kind}"))


def map_step(page: PageInput) -> None:
    loaded = needs(page.view, "vae-z2")
    if loaded is None:
        return
    (info, model), = loaded
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        a = image_picker(t("interp.a"), "tour_a", page.images, page.labels, page.view.class_names, 3)
    with c2:
        b = image_picker(t("interp.b"), "tour_b", page.images, page.labels, page.view.class_names, 2)
    steps = c3.slider(t("interp.steps"), 4, 16, key="tour_steps")
    pair = torch.from_numpy(np.array(page.images[[a, b]]))
    z = encode(model, pair)
    path = interpolate(z[0], z[1], steps)
    drawn = map_with_codes(info, path.numpy(), page, selected=[a, b], height=420)
    if drawn is not None:
        fig, xy, _ = drawn
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name=t("interp.path"),
                                 line={"color": "black", "width": 2}, marker={"size": 7, "color": "black"}))
        figure(fig, "tour_map", "tour_map", config={"displaylogo": False})
    st.markdown(t("page.model_heading", model=model_label(info)))
    st.image(grid(decode(model, path), ncols=steps), width="stretch", alt=t("alt.path_strip", model=model_label(info)))
    st.markdown(t("page.model_heading", model=t("interp.crossfade")))
    as_float = to_float(pair)
    st.image(grid(crossfade(as_float[0], as_float[1], steps), ncols=steps), width="stretch", alt=t("alt.crossfade"))


def applications_step(page: PageInput) -> None:
    figures, _, baselines = stored_figures(page.view)
    rows = feature_rows(figures, baselines)
    if not rows:
        st.info(t("apps.none"))
        return
    left, right = st.columns(2)
    with left:
        st.markdown(t("pick.heading", label=t("apps.classify_heading")))
        fig = accuracy_figure(rows)
        fig.update_layout(height=360)
        figure(fig, "tour_accuracy", "tour_accuracy", config={"displaylogo": False})
    with right:
        st.markdown(t("pick.heading", label=t("apps.cluster_heading")))
        table({t("apps.col_features"): [r[0] for r in rows],
                            t("apps.col_nmi"): [f'{r[2]["clustering"]["nmi"]:.3f}' for r in rows]})
        scored = [(info, f["anomaly_auc"]) for info, f in figures.items() if f.get("anomaly_auc") is not None]
        if scored:
            st.markdown(t("pick.heading", label=t("apps.anomaly_heading")))
            table({t("apps.col_model"): [model_label(info) for info, _ in scored],
                                t("apps.col_auc"): [f"{auc:.3f}" for _, auc in scored]})
    st.page_link(page_script("applications"), label=t("nav.apps"), icon=":material/insights:")


def recommendation_step(page: PageInput) -> None:
    from explorer_app.recommend_panels import movie_map_figure, open_recommenders

    rec = open_recommenders()
    if rec is None:
        return
    left, right = st.columns([3, 2])
    info, _, views = rec.models[0]
    with left:
        st.markdown(t("pick.heading", label=t(f"rec.space.{info.kind}")))
        figure(movie_map_figure(rec, views["movie_map"], None, None, height=440), "tour_movie_map", "tour_movie_map",
               config={"displaylogo": False})
    with right:
        st.markdown(t("pick.heading", label=t("rec.learned_heading")))
        table({t("rec.col_model"): [t(f"kind.{i.kind}") for i, _, _ in rec.models],
               t("rec.col_figure"): [" · ".join(f"{k.upper()} {v:.3f}" for k, v in i.test.items()) for i, _, _ in rec.models]})
    st.page_link(page_script("recommend"), label=t("nav.rec"), icon=":material/movie:")


# The tour's own run of the training theatre: small enough to train within a lecture's minutes on a CPU.
TOUR_RUN = {"kinds": ("vae", "wae"), "latent_dim": 2, "epochs": 10, "subset": 5000}
ROOM_MOVER = "tour_room_mover"  # (room, secret) while this browser presents: a step that moves inside a fragment


def start_tour_run(dataset: str) -> None:
    source = dataset if dataset in DATASETS else "fashion-mnist"
    try:
        st.session_state["tour_run"] = theatre.start_run(theatre_zoo(), theatre.TheatreRequest(source, **TOUR_RUN),
                                                         parent=os.getpid())  # ends with this server
        st.session_state["tour_epoch"] = 0
    except ExplorerError as err:
        st.session_state["tour_theatre_refused"] = err


def theatre_step(page: PageInput) -> None:
    refused = st.session_state.pop("tour_theatre_refused", None)
    if refused is not None:
        say(refused)
    runs = theatre.list_runs(theatre_zoo())
    led = st.session_state.get("tour_led", False)
    if not runs:
        st.info(t("tour.theatre_none"), icon=":material/model_training:")
        st.button(t("tour.theatre_start"), key="tour_theatre_start", on_click=start_tour_run, args=(page.view.dataset,),
                  icon=":material/model_training:", disabled=led)
        st.page_link(page_script("theatre"), label=t("nav.theatre"), icon=":material/model_training:")
        return
    if st.session_state.get("tour_run") not in runs:
        st.session_state["tour_run"] = runs[0]
    run_id = st.selectbox(t("tour.theatre_pick"), runs, key="tour_run", format_func=run_label, disabled=led)
    mover = st.session_state.get(ROOM_MOVER)

    def move_room(epoch: int) -> None:
        if mover is not None:  # the scrubber moves inside its fragment: the room moves with it
            room_registry().move(*mover, THEATRE_STEP, {"tour_run": run_id, "tour_epoch": epoch})

    run_panel(run_id, Panel("tour_epoch", controls=not led, on_epoch=move_room,
                            on_drawn=share_panel if mover is not None else None))
    st.page_link(page_script("theatre"), label=t("nav.theatre"), icon=":material/model_training:")


STEPS = {1: bottleneck, 2: pca_step, 3: denoising_step, 4: sparse_contractive_step, 5: reparameterisation_step,
         6: generating_step, 7: figure7_step, 8: map_step, 9: applications_step, 10: recommendation_step,
         THEATRE_STEP: theatre_step}


# --- the room ----------------------------------------------------------------------------------


def room_role(rooms: Rooms) -> tuple[str | None, bool]:
    """(the room this browser is in, whether it presents it); says so when a link's room or secret is wrong."""
    link = state.room_link()
    if link is None:
        return None, False
    room_id, secret = link
    if rooms.shown(room_id) is None:
        st.warning(t("room.gone"), icon=":material/meeting_room:")
        state.set_room_link(None)
        state.room_link()
        return None, False
    if secret is not None and not rooms.is_presenter(room_id, secret):
        st.warning(t("room.wrong_secret"), icon=":material/lock:")
        state.set_room_link(room_id)  # the rest of the session follows, as the audience does
        state.room_link()
        return room_id, False
    return room_id, secret is not None


def take_shown(shown, n_images: int) -> None:
    """This session's tour at what the room shows (its step and that step's values)."""
    st.session_state[FOLLOWED] = shown.version
    state.set_tour_step(shown.step)
    apply_presets(shown.step, n_images, shown.values)


def resume(rooms: Rooms, room_id: str, n_images: int) -> None:
    """The presenter's link opened anew (another tab, or after closing one): the room goes on where it is, rather
    than back to the first step."""
    shown = rooms.shown(room_id)
    if shown is not None:
        take_shown(shown, n_images)


def follow(rooms: Rooms, room_id: str, n_images: int) -> None:
    """For the audience: take what the room shows, if it moved since this browser last took it."""
    shown = rooms.shown(room_id)
    if shown is None or not st.session_state.get(FOLLOWING, True):
        return
    if st.session_state.get(FOLLOWED) != shown.version or st.session_state.get(state.TOUR_STEP) != shown.step:
        take_shown(shown, n_images)


@state.fragment(run_every=1.0)
def watch(room_id: str) -> None:
    """Once a second: has the room moved? Then the whole page runs again and :func:`follow` takes it."""
    shown = room_registry().shown(room_id)
    if shown is None or not st.session_state.get(FOLLOWING, True):
        return
    if st.session_state.get(FOLLOWED) != shown.version:
        st.rerun(scope="app")


SHARED_HEAD = "tour_room_head"  # the presenter's last shared heading and text: a fragment's view keeps them
DRAWING_STEP = "tour_drawing_step"  # while the whole page draws its step (a fragment that runs alone shares itself)


def share_view(rooms: Rooms, room_id: str, secret: str, step: int, captured, head: int) -> None:
    """Publish what the presenter's page drew of the step as the room's view (explorer_app/room_view.py)."""
    nodes = room_view.document(captured)
    st.session_state[SHARED_HEAD] = (step, room_view.Captured(captured.messages[:head]))
    rooms.publish(room_id, secret, room_view.rendering(step, N_STEPS, state.language(), nodes))


def share_panel(captured) -> None:
    """A fragment of the step redrawn alone (the theatre's frames): the room's view is the step's heading and
    text as last shared, and the fragment as it is now."""
    mover, kept = st.session_state.get(ROOM_MOVER), st.session_state.get(SHARED_HEAD)
    if mover is None or kept is None or st.session_state.get(DRAWING_STEP):
        return
    step, head = kept
    nodes = room_view.document(head) + room_view.document(captured)
    room_registry().publish(*mover, room_view.rendering(step, N_STEPS, state.language(), nodes))


def follower_strings() -> dict:
    from explorer.present.i18n import LANGUAGES

    return {"lang": state.language(), "waiting": t("room.view_waiting"), "following": t("room.view_following"),
            "gone": t("room.gone"), "failed": t("room.view_failed"), "other_lang": t("room.view_other_lang"),
            "languages": LANGUAGES}


def start_room() -> None:
    step = st.session_state.get(state.TOUR_STEP, 1)
    room_id, secret = room_registry().open(step, current_values(step))
    state.set_room_link(room_id, secret)
    state.set_presenting(True)


def leave_room() -> None:
    state.set_room_link(None)


def _broke_away(room_id: str, n_images: int) -> None:
    """Following stopped: this browser's own page starts where the room is now (a shared view moved it meanwhile,
    not this session's script)."""
    shown = room_registry().shown(room_id)
    if shown is not None and not st.session_state.get(FOLLOWING, True):
        take_shown(shown, n_images)


def room_panel(rooms: Rooms, room_id: str | None, presenter: bool, n_images: int = 0) -> None:
    if room_id is not None and not presenter:
        st.toggle(t("room.follow"), key=FOLLOWING, value=True, help=t("room.follow_help"), on_change=_broke_away,
                  args=(room_id, n_images))
        return
    with st.expander(t("room.title"), icon=":material/groups:", expanded=presenter):
        if room_id is None:
            st.caption(t("room.intro"))
            st.button(t("room.start"), key="room_start", on_click=start_room, icon=":material/co_present:")
            return
        if rooms.degraded() is not None:  # behind several replicas, the shared store is gone: this replica goes on
            st.warning(t("room.degraded"), icon=":material/cloud_off:")
        audience, presenter_link = state.room_urls(str(st.context.url or ""), room_id, state.room_link()[1])
        st.markdown(t("room.audience_link"))
        st.code(audience, language=None)
        st.markdown(t("room.presenter_link"))
        st.code(presenter_link, language=None)
        st.caption(t("room.presenter_help"))
        st.button(t("room.leave"), key="room_leave", on_click=leave_room)


# --- the page ----------------------------------------------------------------------------------


def render(page: PageInput) -> None:
    rooms = room_registry()
    room_id, presenter = room_role(rooms)
    if presenter and state.TOUR_STEP not in st.session_state and st.query_params.get("step") is None:
        resume(rooms, room_id, len(page.images))
    step, bad = state.tour_step(N_STEPS)
    if bad is not None:
        st.warning(t("tour.bad_step", value=bad, total=N_STEPS), icon=":material/link_off:")
    n_images = len(page.images)
    if not any(key in st.session_state for key in PRESETS[step]):
        apply_presets(step, n_images)
    audience = room_id is not None and not presenter
    led = audience and st.session_state.get(FOLLOWING, True)  # the presenter turns the pages
    if led and room_routes.SERVED["routes"]:  # the shared view, drawn in this browser: no run here on a move
        room_panel(rooms, room_id, presenter, n_images)
        room_view.follower(room_id, follower_strings())
        return
    if audience:
        follow(rooms, room_id, n_images)
        step, _ = state.tour_step(N_STEPS)
    st.session_state["tour_led"] = led
    secret = state.room_link()[1] if presenter else None
    st.session_state[ROOM_MOVER] = (room_id, secret) if presenter else None
    if presenter:  # before drawing: the controls' values are already in the session, and the audience need not wait
        rooms.move(room_id, secret, step, current_values(step))

    if audience:
        room_panel(rooms, room_id, presenter, n_images)
    # what the presenter draws is the room's shared view; nobody else's page is captured
    with room_view.capture() if presenter else contextlib.nullcontext(room_view.Captured()) as captured:
        # The buttons come first: they exist as soon as the page does, so a clicker's key is never lost.
        previous, progress, following = st.columns([1, 5, 1], vertical_alignment="center")
        previous.button(t("tour.previous"), key="tour_prev", on_click=go_to, args=(step - 1, n_images),
                        disabled=led or step == 1, icon=":material/arrow_back:", width="stretch")
        progress.progress(step / N_STEPS, text=t("tour.progress", step=step, total=N_STEPS,
                                                 title=t(f"tour.s{step}.title")))
        following.button(t("tour.next"), key="tour_next", on_click=go_to, args=(step + 1, n_images),
                         disabled=led or step == N_STEPS, icon=":material/arrow_forward:", width="stretch")
        page_keys()
        st.header(t(f"tour.s{step}.title"))
        st.markdown(t(f"tour.s{step}.text"))
        head = len(captured.messages)
        st.session_state[DRAWING_STEP] = True  # the whole step is shared below, not its fragments one by one
        try:
            STEPS[step](page)
        finally:
            st.session_state[DRAWING_STEP] = False
    if presenter:
        share_view(rooms, room_id, secret, step, captured, head)
    st.caption(t("tour.keys"))
    if not audience:
        room_panel(rooms, room_id, presenter)
    if audience:
        watch(room_id)


if __name__ == "__main__":
    render(open_page("tour.title", "tour.intro", heading=not state.presenting()))
