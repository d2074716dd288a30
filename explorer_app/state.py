"""Every piece of state that outlives one run of a page: the URL parameters and the session keys.

Each URL parameter is declared once below with how it is read and checked; a value that
does not pass is dropped (with a notice where a person would wonder). Pages never touch
``st.query_params`` or cross-page ``st.session_state`` keys by string: they call these.

| URL     | session key   | what                                              | written by        |
| ------- | ------------- | ------------------------------------------------- | ----------------- |
| dataset | DATASET       | the dataset (explorer.data.datasets.all_datasets())        | the sidebar       |
| model   | MODEL         | the sidebar's model (a checkpoint name)           | the sidebar       |
| sel     | SELECTION     | test indices selected on the map (≤ 200)          | the map           |
| a, b    | "a", "b"      | interpolation endpoints                           | the image picker  |
| img     | "img"         | the traversal's image                             | the image picker  |
| walk, an_a, an_b, an_c | same | the attribute page's walked image and analogy | the image picker  |
| lang    | LANGUAGE      | the interface language (kept across page switches) | the sidebar       |
| moved   | —             | the page was reloaded because its server changed  | follow_server.js  |
| step    | TOUR_STEP     | the tour's step (1–9)                             | the tour          |
| present | PRESENTING    | presenter mode: large type, sidebar closed        | the sidebar, the tour |
| room, key | ROOM        | the room followed, and the presenter's secret     | the tour          |
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from explorer.data.datasets import all_datasets, dataset_spec, first_dataset
from explorer.present.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    class_names,
    dataset_title,
    language_of_locale,
    set_language,
)
from explorer.store.catalog import ModelInfo

DEFAULT_MODELS = ("vae-z16", "wae-z16", "ae-z16", "vae-z2")  # the first one shipped is the default
MAX_SELECTION = 200
MAX_URL_VALUE = 2000

# Session keys shared between pages (the widgets' own keys stay with their pages).
DATASET = "dataset"
MODEL = "model"
COMPARE = "compare"  # the map's models drawn beside it (a session key, and ?compare=a,b on a first visit)
SELECTION = "selection"
SELECTION_SHOWN_BY = "selection_shown_by"  # what the map chart drew when its own selection was made
SELECTION_SET_ELSEWHERE = "selection_set_elsewhere"  # how many times the selection was set other than on the chart
LANGUAGE = "lang"
TOUR_STEP = "tour_step"
PRESENTING = "presenting"
ROOM = "room"  # (room id, secret or None)
_VIEW = "_view"
_READY = "_view_ready"
_NOTICES = "_url_notices"


@dataclass(frozen=True)
class View:
    """What the sidebar chose for this run: the dataset, its model, and its other usable models."""

    dataset: str
    model: ModelInfo | None  # None when the dataset has no usable model
    models: tuple[ModelInfo, ...]  # the available models of the dataset

    @property
    def class_names(self) -> list[str]:
        """The class names in the interface language."""
        return class_names(self.dataset, len(dataset_spec(self.dataset).class_names))


def printable(value: str, limit: int = 40) -> str:
    """A URL value or an error's reason made safe to show: printable, short, and inert as markup (HTML's
    brackets dropped; Markdown's characters escaped, so a module name keeps its underscores)."""
    kept = "".join(ch for ch in str(value) if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    kept = "".join(ch for ch in kept if ch not in "<>\\")
    short = kept[:limit] + ("…" if len(kept) > limit else "")
    return "".join("\\" + ch if ch in "`*_[]#|$~" else ch for ch in short)


# --- language --------------------------------------------------------------------------


def language() -> str:
    """The interface language: the sidebar's switch, else the URL's ``lang`` if known, else the browser's
    (``st.context.locale``), else English. Kept in the URL when it is not what a browser would get anyway."""
    from_locale = language_of_locale(st.context.locale)
    lang = st.session_state.get(LANGUAGE)
    if lang not in LANGUAGES:
        lang = st.query_params.get("lang")
        lang = lang if lang in LANGUAGES else from_locale
        st.session_state[LANGUAGE] = lang
    if lang != DEFAULT_LANGUAGE or lang != from_locale:
        st.query_params["lang"] = lang
    else:
        st.query_params.pop("lang", None)
    return lang


def fragment(func=None, *, run_every: float | None = None):
    """``st.fragment``, drawn in the session's language. Each of Streamlit's script runs gets a thread of its own,
    a fragment's rerun too, and app.py (which sets the language of a run) does not run before a fragment's:
    without this, a click in a fragment of a Chinese page drew the panel again in English."""
    def wrap(draw):
        @functools.wraps(draw)
        def in_language(*args, **kwargs):
            set_language(language())
            return draw(*args, **kwargs)
        return st.fragment(in_language, run_every=run_every)
    return wrap(func) if func is not None else wrap


# --- dataset and model -------------------------------------------------------------------


def default_model(models: list[ModelInfo]) -> ModelInfo | None:
    by_name = {m.name: m for m in models}
    for name in DEFAULT_MODELS:
        if name in by_name:
            return by_name[name]
    return models[0] if models else None


def init_from_url(available_models, bad_value_notice) -> None:
    """On a session's first run, take dataset and model from the URL, checked against what ships.

    ``available_models(dataset)`` lists the usable models; ``bad_value_notice(field, value,
    fallback)`` words the notice for a value that was not used.
    """
    if st.session_state.get(_READY):
        return
    notices = []
    opened = all_datasets()
    first = first_dataset()  # the user's own zoo where one is open (--zoo / --pretrained), else MNIST
    dataset = st.query_params.get("dataset", first)
    if dataset not in opened:
        notices.append(bad_value_notice("dataset", printable(dataset), dataset_title(first)))
        dataset = first
    models = available_models(dataset)
    fallback = default_model(models)
    name = st.query_params.get("model")
    if name is not None and name not in {m.name for m in models}:
        notices.append(bad_value_notice("model", printable(name), fallback.name if fallback else "—"))
        name = None
    st.session_state[DATASET] = dataset
    st.session_state[MODEL] = name or (fallback.name if fallback else None)
    st.session_state[_NOTICES] = notices
    st.session_state[_READY] = True


def take_moved_notice() -> bool:
    """True once if the page came back after its server changed (``moved`` in the URL, then removed)."""
    if "moved" not in st.query_params:
        return False
    del st.query_params["moved"]
    return True


def take_url_notices() -> list[str]:
    notices = st.session_state.get(_NOTICES, [])
    st.session_state[_NOTICES] = []
    return notices


def keep_view(view: View) -> View:
    """Remember this run's view (for view()) and put its dataset and model in the URL."""
    st.session_state[_VIEW] = view
    st.query_params["dataset"] = view.dataset
    if view.model is not None:
        st.query_params["model"] = view.model.name
    else:
        st.query_params.pop("model", None)
    return view


def view() -> View:
    """The dataset and model the sidebar chose for this run (app.py draws it before the page)."""
    return st.session_state[_VIEW]


def forget_selection() -> None:
    st.session_state.pop(SELECTION, None)
    st.query_params.pop("sel", None)
    st.session_state[SELECTION_SET_ELSEWHERE] = selection_set_elsewhere() + 1


# --- the map's selection -----------------------------------------------------------------


def parse_indices(raw: str, n_total: int, limit: int = MAX_SELECTION) -> list[int]:
    """Test-set indices from a URL value such as ``3,17,250``; anything else is dropped."""
    if not raw or len(raw) > MAX_URL_VALUE:
        return []
    out = []
    for part in raw.split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) <= 6 and int(part) < n_total:
            out.append(int(part))
    return sorted(set(out))[:limit]


def format_indices(indices: list[int]) -> str:
    return ",".join(str(i) for i in indices[:MAX_SELECTION])


def selection(n_images: int) -> list[int]:
    """The map's selection; on a session's first read, the one a shared link carries, cleaned."""
    if SELECTION not in st.session_state:
        set_selection(parse_indices(st.query_params.get("sel", ""), n_images))
    return st.session_state[SELECTION]


def selection_so_far() -> list[int]:
    """The selection made on the map, for other pages (empty if the map was never opened)."""
    return st.session_state.get(SELECTION, [])


def set_selection(indices: list[int], shown_by_chart: tuple | None = None) -> None:
    """Keep the selection (in the session and the URL); ``shown_by_chart`` is what the map chart
    drew when the selection was made on it (Plotly marks it there; see explorer_app/views/latent_map.py)."""
    st.session_state[SELECTION] = list(indices)
    st.session_state[SELECTION_SHOWN_BY] = shown_by_chart
    if shown_by_chart is None:
        st.session_state[SELECTION_SET_ELSEWHERE] = selection_set_elsewhere() + 1
    if indices:
        st.query_params["sel"] = format_indices(indices)
    else:
        st.query_params.pop("sel", None)


def selection_shown_by() -> tuple | None:
    return st.session_state.get(SELECTION_SHOWN_BY)


def selection_set_elsewhere() -> int:
    """Changes whenever the selection is set other than on the map chart (cleared, from a link, a
    flashlight click): the chart then drops the marks Plotly drew for the one before."""
    return st.session_state.get(SELECTION_SET_ELSEWHERE, 0)


# --- a test image per page ----------------------------------------------------------------


def image_index(key: str, n_images: int, default: int) -> int:
    """The test index kept under ``key`` (session and URL); first read from the URL, checked."""
    if key not in st.session_state:
        from_url = parse_indices(st.query_params.get(key, ""), n_images, limit=1)
        st.session_state[key] = from_url[0] if from_url else min(default, n_images - 1)
    return int(st.session_state[key])


def keep_image_index(key: str, index: int) -> None:
    st.query_params[key] = str(int(index))


# --- the visitor's own image: kept in the session only (never on disk, never in the URL) ----

OWN_IMAGE = "_own_image"
OWN_IMAGE_START = "_own_image_start"  # the page that should start from it on its next run


def own_image(dataset: str) -> np.ndarray | None:
    """The visitor's prepared image (uint8 28×28) for ``dataset``, if they made one this session."""
    kept = st.session_state.get(OWN_IMAGE)
    return kept[1] if kept is not None and kept[0] == dataset else None


def set_own_image(dataset: str, image: np.ndarray) -> None:
    st.session_state[OWN_IMAGE] = (dataset, image)


def start_from_own_image(page: str) -> None:
    """Ask ``page`` ("interpolate" or "traverse") to start from the own image on its next run."""
    st.session_state[OWN_IMAGE_START] = page


def starts_from_own_image(page: str) -> bool:
    """True once, on the run after :func:`start_from_own_image` named ``page``."""
    if st.session_state.get(OWN_IMAGE_START) != page:
        return False
    del st.session_state[OWN_IMAGE_START]
    return True


# --- the tour, presenter mode and rooms -----------------------------------------------------


def tour_step(n_steps: int) -> tuple[int, str | None]:
    """The tour's step; on a session's first read, the URL's ``step`` if it is one of 1…n_steps.
    Returns (step, the URL's value made printable if it was not a step, else None)."""
    if TOUR_STEP in st.session_state:
        set_tour_step(st.session_state[TOUR_STEP])  # into the URL on every run: a callback's change may not reach it
        return int(st.session_state[TOUR_STEP]), None
    raw = st.query_params.get("step")
    valid = raw is not None and raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= n_steps
    set_tour_step(int(raw) if valid else 1)
    return int(st.session_state[TOUR_STEP]), (printable(raw) if raw is not None and not valid else None)


def set_tour_step(step: int) -> None:
    st.session_state[TOUR_STEP] = int(step)
    st.query_params["step"] = str(int(step))


def presenting() -> bool:
    """Presenter mode: ``present=1`` in the URL, kept for the session (and in the URL) once asked for."""
    if PRESENTING not in st.session_state:
        st.session_state[PRESENTING] = st.query_params.get("present") == "1"
    if st.session_state[PRESENTING]:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)
    return st.session_state[PRESENTING]


def set_presenting(on: bool) -> None:
    st.session_state[PRESENTING] = bool(on)


def room_link() -> tuple[str, str | None] | None:
    """The room this session is in, from the URL's ``room`` (and the presenter's ``key``) on first read."""
    if ROOM not in st.session_state:
        room_id, secret = st.query_params.get("room"), st.query_params.get("key")
        ok = room_id is not None and len(room_id) <= 40 and (secret is None or len(secret) <= 80)
        st.session_state[ROOM] = (room_id, secret) if ok else None
    link = st.session_state[ROOM]
    if link is None:
        st.query_params.pop("room", None)
        st.query_params.pop("key", None)
    else:
        st.query_params["room"] = link[0]
        if link[1] is not None:
            st.query_params["key"] = link[1]
        else:
            st.query_params.pop("key", None)
    return link


def set_room_link(room_id: str | None, secret: str | None = None) -> None:
    st.session_state[ROOM] = (room_id, secret) if room_id is not None else None


def room_urls(page_url: str, room_id: str, secret: str) -> tuple[str, str]:
    """The room's two links on the page ``page_url``: the audience's, and the presenter's (with the secret,
    in presenter mode). Both carry the interface language; each reader can switch it."""
    base = page_url.split("?")[0].split("#")[0]
    audience = {"room": room_id, "lang": st.session_state.get(LANGUAGE, DEFAULT_LANGUAGE)}
    return (f"{base}?{urlencode(audience)}",
            f"{base}?{urlencode({**audience, 'key': secret, 'present': '1'})}")


def compared_from_url(others: list[str]) -> None:
    """On a session's first run of the map, the models its URL asks to compare (``?compare=a,b``, as
    explorer.show opens several): names of the dataset's other models only, at most two; then dropped
    from the URL, which the map's own choice governs from there."""
    if COMPARE in st.query_params:
        if COMPARE not in st.session_state:
            wanted = st.query_params.get(COMPARE, "").split(",")
            st.session_state[COMPARE] = list(dict.fromkeys(n for n in wanted if n in others))[:2]
        del st.query_params[COMPARE]
