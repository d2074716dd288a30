"""The training theatre: pick a dataset, kinds side by side, a latent size, epochs and a subset, and watch the
latent space form, a frame per epoch, with the losses in step; scrub back, play, stop and resume. The training
runs in a worker process (explorer.training.theatre); the run's models land in the theatre's zoo, where
every other page opens them."""

import os

import streamlit as st

from explorer.data.datasets import DATASETS, all_datasets
from explorer.errors import ExplorerError
from explorer.models.kinds import IMAGE_KINDS, KINDS
from explorer.present.i18n import dataset_title, t
from explorer.training import theatre
from explorer_app import state
from explorer_app.page import open_page
from explorer_app.theatre import FOLLOWING, PLAYING, Panel, run_label, run_panel, say, zoo

RUN = "theatre_run"
EPOCH = "theatre_epoch"
DEFAULT_KINDS = ("vae", "wae")


def sources() -> list[str]:
    """The datasets a run can train on: the shipped ones and the user's, not the theatre's own."""
    return [d for d in all_datasets() if not d.endswith(theatre.DATASET_SUFFIX)]


def new_run_form(dataset: str) -> str | None:
    """The form for a new run; returns the id of a run it started."""
    with st.form("theatre_new", border=True):
        choices = sources()
        left, middle, right = st.columns(3)
        chosen = left.selectbox(t("theatre.dataset"), choices, index=choices.index(dataset) if dataset in choices else 0,
                                format_func=dataset_title)
        kinds = middle.multiselect(t("theatre.kinds"), IMAGE_KINDS, default=list(DEFAULT_KINDS),
                                   max_selections=theatre.MAX_KINDS, format_func=lambda k: t(KINDS[k].title_key))
        latent = right.select_slider(t("theatre.latent"), theatre.LATENTS, value=2)
        left, middle, right = st.columns(3)
        epochs = left.number_input(t("theatre.epochs"), 1, theatre.MAX_EPOCHS, 10)
        subset = middle.number_input(t("theatre.subset"), 2 * theatre.SHOWN_IMAGES, None, 5000, step=1000,
                                     help=t("theatre.subset_help", most=theatre.max_images()))
        seed = right.number_input(t("theatre.seed"), 0, 2**31 - 1, 0)
        started = st.form_submit_button(t("theatre.start"), icon=":material/model_training:", type="primary")
    without = [dataset_title(d) for d in choices if d in DATASETS and theatre.training_source(d) == "test"]
    if without:  # said before a run starts: a newcomer's machine has no dataset installed
        st.caption(t("theatre.sources_note", datasets=", ".join(without), probe=theatre.PROBE_IMAGES))
    if not started:
        return None
    request = theatre.TheatreRequest(chosen, tuple(kinds), int(latent), int(epochs), int(subset), seed=int(seed))
    try:
        return theatre.start_run(zoo(), request, parent=os.getpid())  # the run ends with this server
    except ExplorerError as err:
        say(err)
        return None


def render() -> None:
    view = state.view()
    if view.dataset not in DATASETS and view.dataset.endswith(theatre.DATASET_SUFFIX):
        dataset = view.dataset.removesuffix(theatre.DATASET_SUFFIX)
    else:
        dataset = view.dataset
    runs = theatre.list_runs(zoo())
    with st.expander(t("theatre.new"), icon=":material/add_circle:", expanded=not runs):
        started = new_run_form(dataset)
    if started is not None:
        st.session_state[RUN] = started
        st.session_state[FOLLOWING] = True
        st.session_state[PLAYING] = False
        st.session_state.pop(EPOCH, None)
        runs = theatre.list_runs(zoo())
    if not runs:
        st.info(t("theatre.none"), icon=":material/model_training:")
        return
    linked = st.query_params.get("run")
    if RUN not in st.session_state and linked in runs:  # a shared link names its run; anything else is ignored
        st.session_state[RUN] = linked
    if st.session_state.get(RUN) not in runs:
        st.session_state[RUN] = runs[0]
    run_id = st.selectbox(t("theatre.run"), runs, key=RUN, format_func=run_label, on_change=_new_run)
    st.query_params["run"] = run_id
    run_panel(run_id, Panel(EPOCH))


def _new_run() -> None:
    st.session_state.pop(EPOCH, None)
    st.session_state[FOLLOWING] = True
    st.session_state[PLAYING] = False


if __name__ == "__main__":
    open_page("theatre.title", "theatre.intro", needs_model=False)
    render()
