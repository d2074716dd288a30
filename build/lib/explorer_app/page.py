"""Opening a page, and saying the package's errors in the catalogue's words.

Every page starts with :func:`open_page`: its title and introduction, then the view the
sidebar chose and the test split; if either is missing, the page stops with the
catalogue's message. A model that cannot be loaded is reported by :func:`model_or_error`
and the rest of the page goes on. Only the package's own errors are caught here: a bug
in a page is a bug, shown as Streamlit shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.errors import CheckpointError, DatasetUnavailable, ExplorerError, MapUnavailable
from explorer.present.i18n import dataset_title, t
from explorer.store.catalog import ModelInfo
from explorer_app import loaders, state
from explorer_app.state import View
from explorer_app.widgets import model_label


@dataclass(frozen=True)
class PageInput:
    """What every page starts from."""

    view: View
    images: np.ndarray  # the test split, uint8 N×28×28, read-only
    labels: np.ndarray  # int64 N

    @property
    def model(self) -> ModelInfo:
        return self.view.model


def explain(err: ExplorerError, subject: str) -> str:
    """The catalogue's message for one of the package's errors: what it is about (a model,
    a dataset), the file, and what is wrong with it — never where the server keeps it."""
    key = "error.file" if err.file else "error.plain"
    fields = {name: state.printable(str(value), 300) for name, value in err.fields.items()}
    return t(key, subject=state.printable(subject, 60), file=state.printable(err.file, 60),
             reason=t(err.key, **fields))  # the reason in the reader's language where the catalogue says it


def show_error(err: ExplorerError, subject: str) -> None:
    st.error(explain(err, subject), icon=":material/error:")


def open_page(title_key: str, intro_key: str, needs_model: bool = True, heading: bool = True) -> PageInput:
    """Draw the page's title and introduction (unless ``heading`` is False: the tour on a projector shows
    its step's instead); return its input, or stop with the catalogue's message."""
    view = state.view()
    if heading:
        st.title(t(title_key))
        st.caption(t(intro_key))
    try:
        images, labels = loaders.test_split(view.dataset)
    except DatasetUnavailable as err:
        show_error(err, dataset_title(view.dataset))
        st.stop()
    if needs_model and view.model is None:
        st.stop()  # the sidebar already says that this dataset has no usable model
    return PageInput(view=view, images=images, labels=labels)


def model_or_error(info: ModelInfo):
    """The model, or None after the catalogue's message naming it (the rest of the page goes on)."""
    try:
        return loaders.model(info)
    except CheckpointError as err:
        show_error(err, model_label(info))
        return None


def map_with_codes(info: ModelInfo, codes: np.ndarray, page: PageInput, selected: list[int], height: int):
    """The model's map with new codes placed on it — exactly for a latent-2 model (the map is its
    code space), else each among its 5 nearest test codes (UMAP has no exact place for a new point).

    Returns (figure, the codes' positions, exact), or None after saying why there is no map.
    """
    from explorer.analysis.project import place_codes
    from explorer.present.figures import latent_map_figure, map_backdrop_figure

    try:
        latent_map = loaders.shipped_map(info)
    except MapUnavailable as err:
        show_error(err, model_label(info))
        return None
    if latent_map is None:
        st.info(t("map.no_map", model=model_label(info)))
        return None
    latent_map = latent_map.drawn()
    reference = None if latent_map.method == "latent" else np.asarray(loaders.test_codes(info))[latent_map.indices]
    xy, exact = place_codes(latent_map, reference, codes)
    if latent_map.xy.shape[1] == 2:  # a picture of the map: the page draws on it, nobody selects there
        fig = map_backdrop_figure(latent_map.xy, page.labels[latent_map.indices], page.view.class_names,
                                  latent_map.indices, selected=selected, height=height)
    else:
        fig = latent_map_figure(latent_map.xy, page.labels[latent_map.indices], page.view.class_names,
                                latent_map.indices, selected=selected, height=height, marker_size=3)
    fig.update_layout(dragmode="pan")
    return fig, xy, exact
