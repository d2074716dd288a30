"""The widgets the pages share: the sidebar, the model label, the pickers, the downloads, figures with theirs."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.data.datasets import all_datasets
from explorer.models.kinds import KINDS
from explorer.present.i18n import LANGUAGES, dataset_title, t
from explorer.store.catalog import ModelInfo
from explorer_app import loaders, state
from explorer_app.scripts import localise_streamlit
from explorer_app.state import View


def model_label(info: ModelInfo) -> str:
    """How a model is named everywhere in the app: "VAE · z16" (its own name for a kind's, where it has one)."""
    return t("model.label", kind=info.title or t(KINDS[info.kind].title_key), latent=info.latent_dim)


def _on_dataset_change() -> None:
    fallback = state.default_model(loaders.available_models(st.session_state[state.DATASET]))
    st.session_state[state.MODEL] = fallback.name if fallback else None
    state.forget_selection()


# Presenter mode: type a projector's back row can read, the whole width, and what only matters to
# someone at their own screen (downloads, chart toolbars, the app's menu) out of the way.
PRESENTER_CSS = """<style>
html { font-size: 22px; }
/* a projector washes greys out: captions, labels and help text in the text's own colour */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *, [data-testid="stImageCaption"],
[data-testid="stWidgetLabel"] * { color: #0E1117 !important; opacity: 1 !important; }
[data-testid="stImage"] img { image-rendering: pixelated; }  /* 28-pixel images enlarged: sharp, not blurred */
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2.5rem 2.5rem 3rem; }
[data-testid="stDownloadButton"], [data-testid="stHorizontalBlock"]:has(> div > div > [data-testid="stDownloadButton"]),
.modebar-container, [data-testid="stElementToolbar"], [data-testid="stToolbar"] { display: none !important; }
</style>"""


def presenter_style() -> None:
    st.html(PRESENTER_CSS)


def sidebar() -> View:
    """Draw the sidebar (dataset, model, the model's figures); keep the choice in the URL."""
    state.init_from_url(loaders.available_models,
                        lambda field, value, fallback: t("url.bad_value", field=field, value=value, fallback=fallback))
    for notice in state.take_url_notices():
        st.warning(notice, icon=":material/link_off:")
    if state.take_moved_notice():
        st.toast(t("app.moved"), icon=":material/sync:")
    localise_streamlit(state.language())
    if state.presenting():
        presenter_style()
    with st.sidebar:
        st.markdown(t("app.heading", title=t("app.title")))
        st.caption(t("app.tagline"))
        st.segmented_control(t("sidebar.language"), list(LANGUAGES), key=state.LANGUAGE, format_func=LANGUAGES.get,
                             required=True)
        st.toggle(t("sidebar.present"), key=state.PRESENTING, help=t("sidebar.present_help"))
        dataset = st.selectbox(t("sidebar.dataset"), list(all_datasets()), key=state.DATASET,
                               format_func=dataset_title, on_change=_on_dataset_change)
        all_models = loaders.models_of(dataset)
        models = {m.name: m for m in all_models if m.available}
        if st.session_state.get(state.MODEL) not in models:
            fallback = state.default_model(list(models.values()))
            st.session_state[state.MODEL] = fallback.name if fallback else None
        info = None
        if models:
            name = st.selectbox(t("sidebar.model"), list(models), key=state.MODEL,
                                format_func=lambda n: model_label(models[n]))
            info = models[name]
            if "mse" in info.test and "psnr" in info.test:
                st.caption(t("sidebar.figures", mse=info.test["mse"], psnr=info.test["psnr"]))
            st.caption(t(KINDS[info.kind].about_key))
        else:
            st.warning(t("sidebar.no_models", dataset=dataset_title(dataset)))
        broken = [m for m in all_models if not m.available]
        if broken:
            with st.expander(t("sidebar.unavailable")):
                for m in broken:
                    st.markdown(t("sidebar.unavailable_item", name=m.name, reason=state.printable(m.reason, 200)))
    return state.keep_view(View(dataset=dataset, model=info, models=tuple(models.values())))


def model_picker(label: str, view: View, key: str, default: list[ModelInfo], max_selections: int = 3,
                 latent_dim: int | None = None) -> list[ModelInfo]:
    """A multiselect of this dataset's models (optionally of one latent size), ``default`` chosen first."""
    options = {m.name: m for m in view.models if latent_dim is None or m.latent_dim == latent_dim}
    chosen = st.multiselect(label, list(options), default=[m.name for m in default if m.name in options][:max_selections],
                            max_selections=max_selections, key=key, format_func=lambda n: model_label(options[n]),
                            placeholder=t("pick.placeholder"))
    return [options[n] for n in chosen]


def _draw_into(key: str, labels: np.ndarray, class_key: str, seed_key: str) -> None:
    choice = st.session_state.get(class_key, -1)
    pool = np.flatnonzero(labels == choice) if choice >= 0 else np.arange(len(labels))
    st.session_state[seed_key] = st.session_state.get(seed_key, 0) + 1
    rng = np.random.default_rng(st.session_state[seed_key] * 7919 + sum(map(ord, key)))
    st.session_state[key] = int(rng.choice(pool))


def image_picker(label: str, key: str, images: np.ndarray, labels: np.ndarray, class_names: list[str],
                 default: int) -> int:
    """Pick a test image by index, or draw one at random from a class; shows it. Kept in the URL as ``key``."""
    n = len(images)
    state.image_index(key, n, default)
    st.markdown(t("pick.heading", label=label))
    picture, controls = st.columns([1, 2])
    with controls:
        index = st.number_input(t("pick.index"), 0, n - 1, key=key, step=1)
        st.selectbox(t("pick.class"), [-1, *range(len(class_names))], key=f"{key}_class",
                     format_func=lambda c: t("pick.any") if c < 0 else class_names[c])
        st.button(t("pick.draw"), key=f"{key}_draw", on_click=_draw_into,
                  args=(key, labels, f"{key}_class", f"{key}_seed"), icon=":material/casino:")
    described = t("map.original", index=int(index), label=class_names[int(labels[int(index)])])
    picture.image(images[int(index)], width=84, caption=described, alt=described)
    state.keep_image_index(key, int(index))
    return int(index)


def image_download(label: str, picture: np.ndarray, file_name: str, key: str) -> None:
    """A PNG of ``picture``, encoded when the button is clicked (never on a rerun)."""
    from explorer.data.images import png_bytes

    file_download(label, lambda: png_bytes(picture, scale=2), file_name, "image/png", key)


def file_download(label: str, make, file_name: str, mime: str, key: str) -> None:
    """A download button whose bytes ``make()`` produces on click (Streamlit's deferred download)."""
    st.download_button(label, data=make, file_name=file_name, mime=mime, key=key, icon=":material/download:",
                       on_click="ignore")


def figure_downloads(fig, name: str, key: str) -> None:
    """PNG and SVG of a Plotly figure (or of what a function makes, called then), drawn on the server (Kaleido) when
    a button is clicked."""
    from explorer.present.exports import figure_bytes, figure_export_available

    if not figure_export_available():
        st.caption(t("download.figure_unavailable"))
        return
    with st.container(horizontal=True):
        file_download(t("download.figure_png"), lambda: figure_bytes(fig() if callable(fig) else fig, "png"), f"{name}.png", "image/png",
                      f"{key}_png")
        file_download(t("download.figure_svg"), lambda: figure_bytes(fig() if callable(fig) else fig, "svg"), f"{name}.svg", "image/svg+xml",
                      f"{key}_svg")


def shown_figure(fig):
    """The figure as this session draws it: for a projector in presenter mode (larger text and markers)."""
    from explorer.present.figures import for_projector

    return for_projector(fig) if state.presenting() else fig


def figure(fig, name: str, key: str, **chart) -> object:
    """A Plotly figure with its PNG and SVG downloads below; returns what st.plotly_chart returns."""
    event = st.plotly_chart(shown_figure(fig), key=key, **chart)
    figure_downloads(fig, name, key)
    return event
