"""A training-theatre run drawn in the page: the theatre page's and the tour's (pages do not import pages).

The run's frames are files its worker writes (explorer.training.theatre); this reads them. While the run
trains, or its epochs play, the panel is a fragment that runs again every second and shows the newest frame
(or the next); otherwise it runs only when a control is used. Every part of a frame (the maps, the pictures,
the loss cursor) comes from the same epoch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from explorer.data.datasets import theatre_zoo
from explorer.data.images import grid
from explorer.errors import ExplorerError
from explorer.models.kinds import KINDS
from explorer.present.figures import frame_extent, theatre_frame_figure, theatre_loss_figure
from explorer.present.i18n import class_names, dataset_title, t
from explorer.training import theatre
from explorer_app import loaders, page_script, room_view, state
from explorer_app.scripts import page_keys
from explorer_app.widgets import shown_figure

PLAYING = "theatre_playing"
FOLLOWING = "theatre_follow"
OPEN_MODEL = "theatre_open_model"  # (dataset, name) to open on the map once the callback has set the sidebar
TICK_S = 1.0


@dataclass(frozen=True)
class Panel:
    """Where a run panel keeps its epoch (a session key), and who may move it."""

    epoch_key: str
    controls: bool = True  # False: the audience of a room, led by the presenter
    on_epoch: object = None  # called with the epoch shown (the tour's presenter moves the room)
    on_drawn: object = None  # called with what the panel drew (explorer_app.room_view.Captured): the room's view


def zoo() -> Path:
    return theatre_zoo()


def run_label(run_id: str) -> str:
    run = theatre.runs_root(zoo()) / run_id
    try:
        request = theatre.read_request(run)
    except ExplorerError:
        return run_id
    kinds = " · ".join(t(KINDS[k].title_key) for k in request.kinds)
    return t("theatre.run_label", when=f"{run_id[4:6]}-{run_id[6:8]} {run_id[9:11]}:{run_id[11:13]}",
             dataset=dataset_title(request.dataset), kinds=kinds, latent=request.latent_dim, epochs=request.epochs,
             subset=request.subset)


def say(err: ExplorerError) -> None:
    st.error(t(err.key, **{k: state.printable(str(v), 80) for k, v in err.fields.items()}), icon=":material/error:")


@st.cache_data(max_entries=1024, show_spinner=False)
def _frame(folder: str, kind: str, epoch: int, stamp: int) -> theatre.Frame:
    return theatre.read_frame(Path(folder), kind, epoch)


def frame(run: Path, kind: str, epoch: int) -> theatre.Frame:
    path = run / kind / f"{epoch:04d}.npz"
    return _frame(str(run), kind, epoch, path.stat().st_mtime_ns)


@st.cache_data(max_entries=32, show_spinner=False)
def _probe(folder: str, stamp: int) -> tuple[np.ndarray, np.ndarray]:
    return theatre.read_probe(Path(folder))


def run_panel(run_id: str, panel: Panel) -> None:
    """The run's panel: live (a fragment that runs every second) while it trains or plays, still otherwise."""
    run = theatre.run_folder(zoo(), run_id)
    if run is None:
        st.warning(t("theatre.no_run"), icon=":material/link_off:")
        return
    page_keys()  # outside the fragment: drawn once with the page, not again every second
    if theatre.read_status(run).active or st.session_state.get(PLAYING):
        _live(run_id, panel)
    else:
        _still(run_id, panel)


@state.fragment(run_every=TICK_S)
def _live(run_id: str, panel: Panel) -> None:
    _draw(run_id, panel, live=True)


@state.fragment
def _still(run_id: str, panel: Panel) -> None:
    _draw(run_id, panel, live=False)


def _draw(run_id: str, panel: Panel, live: bool) -> None:
    if panel.on_drawn is None:
        _draw_panel(run_id, panel, live)
        return
    with room_view.capture() as captured:
        _draw_panel(run_id, panel, live)
    panel.on_drawn(captured)


def _draw_panel(run_id: str, panel: Panel, live: bool) -> None:
    run = theatre.run_folder(zoo(), run_id)
    if run is None:  # deleted: the page around picks another run
        st.rerun(scope="app")
    pending = st.session_state.pop(OPEN_MODEL, None)
    if pending is not None:
        st.switch_page(page_script("latent_map"))
    try:
        request = theatre.read_request(run)
    except ExplorerError as err:
        say(err)
        return
    status = theatre.read_status(run)
    last = min((theatre.frame_epochs(run, kind) or [-1])[-1] for kind in request.kinds)
    if live and not status.active and not st.session_state.get(PLAYING):
        loaders.models_of.clear()  # a run that just ended saved its models: the sidebar lists them now
        st.rerun(scope="app")  # the still panel from now on
    status_row(run_id, status, panel)
    if request.source == "test":
        source_note(request)
    if last < 0:
        if status.active:  # a run that failed before its first frame says so once, above, and nothing more
            st.info(t("theatre.waiting"), icon=":material/hourglass_top:")
        return
    epoch = _epoch_now(panel, last, status)
    if panel.on_epoch is not None:
        panel.on_epoch(epoch)
    scrubber(panel, last)
    frames = {kind: frame(run, kind, epoch) for kind in request.kinds}
    try:
        probe, labels = _probe(str(run), (run / "probe.npz").stat().st_mtime_ns)
    except OSError:  # written before the first frame: gone only if the run was deleted meanwhile
        return
    except ExplorerError as err:
        say(err)
        return
    names = class_names(request.dataset, int(labels.max()) + 1 if len(labels) else 1)
    every = [frame(run, kind, e).points for kind in request.kinds for e in range(0, last + 1, max(1, last // 8))]
    titles = {kind: t(KINDS[kind].title_key) for kind in request.kinds}
    prior = any(KINDS[k].prior_generative for k in request.kinds)
    st.plotly_chart(shown_figure(theatre_frame_figure([(titles[k], frames[k].points) for k in request.kinds], labels,
                                                      names, frame_extent(every), with_prior=prior)),
                    key=f"{panel.epoch_key}_maps", config={"displaylogo": False, "staticPlot": False})
    st.caption(t("theatre.maps_caption", n=len(labels), epoch=epoch, latent=request.latent_dim,
                 projection=t("theatre.projection_plane" if request.latent_dim <= 2 else "theatre.projection_pca")))
    columns = st.columns(len(request.kinds))
    for column, kind in zip(columns, request.kinds):
        shown = frames[kind]
        with column:
            described = t("theatre.pictures_caption", model=titles[kind], samples=t(f"theatre.samples_{shown.sampler}"))
            st.image(grid(np.concatenate([probe[: len(shown.recon)], shown.recon, shown.samples]), ncols=len(shown.recon)),
                     width="stretch", caption=described, alt=described)
    curves = [(titles[k], theatre.read_history(run, k)) for k in request.kinds]
    st.plotly_chart(shown_figure(theatre_loss_figure(curves, epoch, request.epochs)), key=f"{panel.epoch_key}_losses",
                    config={"displaylogo": False})
    if status.state == "done" and status.saved:
        saved_row(status)


def _epoch_now(panel: Panel, last: int, status: theatre.Status) -> int:
    """The epoch to show: the next one while playing, the newest while following a run that trains, else the
    one chosen; always one that has a frame."""
    key = panel.epoch_key
    epoch = st.session_state.get(key, last)
    epoch = epoch if isinstance(epoch, int) else last
    if panel.controls and st.session_state.get(PLAYING):
        epoch = epoch + 1 if epoch < last else last
        if epoch >= last and not status.active:
            st.session_state[PLAYING] = False
    elif panel.controls and status.active and st.session_state.get(FOLLOWING, True):
        epoch = last
    epoch = min(max(0, epoch), last)
    st.session_state[key] = epoch
    return epoch


def _step(key: str, by: int, last: int) -> None:
    st.session_state[key] = min(max(0, int(st.session_state.get(key, 0)) + by), last)
    st.session_state[FOLLOWING] = False
    st.session_state[PLAYING] = False


def _toggle_play(key: str, last: int) -> None:
    playing = not st.session_state.get(PLAYING, False)
    if playing and st.session_state.get(key, 0) >= last:
        st.session_state[key] = 0  # from the start again
    st.session_state[PLAYING] = playing
    st.session_state[FOLLOWING] = False


def _scrubbed() -> None:
    st.session_state[FOLLOWING] = False
    st.session_state[PLAYING] = False


def scrubber(panel: Panel, last: int) -> None:
    """◀ the epoch ▶, play / pause, follow the newest: the arrow keys and Space press them (page_keys.js)."""
    key = panel.epoch_key
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(t("theatre.back"), key="theatre_prev", icon=":material/chevron_left:", help=t("theatre.previous"),
                  on_click=_step, args=(key, -1, last), disabled=not panel.controls or st.session_state[key] <= 0)
        if last >= 1:
            st.slider(t("theatre.epoch"), 0, last, key=key, on_change=_scrubbed, disabled=not panel.controls,
                      width="stretch")
        else:
            st.markdown(t("theatre.epoch_zero"))
        st.button(t("theatre.forward"), key="theatre_next", icon=":material/chevron_right:", help=t("theatre.next"),
                  on_click=_step, args=(key, 1, last), disabled=not panel.controls or st.session_state[key] >= last)
        playing = st.session_state.get(PLAYING, False)
        st.button(t("theatre.pause") if playing else t("theatre.play"), key="theatre_play",
                  icon=":material/pause:" if playing else ":material/play_arrow:", on_click=_toggle_play,
                  args=(key, last), disabled=not panel.controls or last < 1)
        if panel.controls:
            st.session_state.setdefault(FOLLOWING, True)
            st.toggle(t("theatre.follow"), key=FOLLOWING, help=t("theatre.follow_help"))


def status_row(run_id: str, status: theatre.Status, panel: Panel) -> None:
    text = t("theatre.status", state=t(f"theatre.state_{status.state}"), epoch=status.epoch, epochs=status.epochs)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.progress(status.epoch / max(1, status.epochs), text=text, width="stretch")
        if panel.controls and status.active:
            st.button(t("theatre.stop"), key="theatre_stop", icon=":material/stop:", on_click=_stop, args=(run_id,))
        if panel.controls and status.state == "stopped":
            st.button(t("theatre.resume"), key="theatre_resume", icon=":material/play_circle:", on_click=_resume,
                      args=(run_id,))
        if panel.controls and not status.active:
            with st.popover(t("theatre.delete"), icon=":material/delete:"):
                st.caption(t("theatre.delete_help"))
                st.button(t("theatre.delete_confirm"), key="theatre_delete", type="primary", on_click=_delete,
                          args=(run_id,))
    if status.message:
        key, *fields = status.message
        shown = {k: state.printable(str(v), 80) for k, v in fields}
        (st.error if status.state in ("diverged", "failed") else st.info)(t(key, **shown))
    if "theatre_refused" in st.session_state:
        key, fields = st.session_state.pop("theatre_refused")
        st.warning(t(key, **fields), icon=":material/block:")


def source_note(request: theatre.TheatreRequest) -> None:
    """Where the run's training images come from, when it is not the training split."""
    from explorer.data.datasets import DATASETS

    command = DATASETS[request.dataset].offline_command if request.dataset in DATASETS else "python -m explorer.train --data"
    st.caption(t("theatre.source_test", dataset=dataset_title(request.dataset), n=request.subset,
                 probe=theatre.PROBE_IMAGES, command=command))


def _stop(run_id: str) -> None:
    theatre.stop_run(zoo(), run_id)


def _delete(run_id: str) -> None:
    theatre.remove_run(zoo(), run_id)


def _resume(run_id: str) -> None:
    try:
        theatre.resume_run(zoo(), run_id, parent=os.getpid())  # ends with this server
    except ExplorerError as err:
        st.session_state["theatre_refused"] = (err.key, {k: state.printable(str(v), 80) for k, v in err.fields.items()})


def saved_row(status: theatre.Status) -> None:
    """The saved models, each a button that opens it on the map."""
    st.markdown(t("theatre.saved"))
    with st.container(horizontal=True):
        for kind, where in status.saved.items():
            dataset, _, name = where.partition("/")
            st.button(t("theatre.open_on_map", model=t(KINDS[kind].title_key)), key=f"theatre_open_{kind}",
                      icon=":material/scatter_plot:", on_click=_open_model, args=(dataset, name))


def _open_model(dataset: str, name: str) -> None:
    loaders.models_of.clear()
    st.session_state[state.DATASET] = dataset
    st.session_state[state.MODEL] = name
    state.forget_selection()
    st.session_state[OPEN_MODEL] = (dataset, name)
