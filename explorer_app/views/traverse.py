"""Latent traversal: move one code dimension at a time and watch the decoded image change."""

import numpy as np
import streamlit as st
import torch

from explorer.analysis.latent import decode, dimensions_by_variance, encode, traversal_grid
from explorer.data.datasets import to_float
from explorer.data.images import grid, pictures
from explorer.present.i18n import t
from explorer_app import browser_decoder, loaders, state
from explorer_app.page import PageInput, model_or_error, open_page
from explorer_app.widgets import image_download, image_picker, model_label

MAX_SLIDERS = 16
SPAN = 3.0  # sweep ± SPAN standard deviations of the test codes


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels
    model = model_or_error(page.model)
    if model is None:
        st.stop()
    codes = torch.from_numpy(np.array(loaders.test_codes(page.model)))
    centre, scale = codes.mean(dim=0), codes.std(dim=0).clamp_min(1e-6)
    order = dimensions_by_variance(codes)[:MAX_SLIDERS].tolist()

    own = state.own_image(view.dataset)  # made on the Your own image page, this session
    sources = ["image", "zero"] + (["own"] if own is not None else [])
    if state.starts_from_own_image("traverse") and own is not None:
        st.session_state["trav_source"] = "own"
    elif st.session_state.get("trav_source") not in (None, *sources):  # "own" kept from another dataset
        st.session_state["trav_source"] = "image"
    source_col, base_col = st.columns([1, 2])
    with source_col:
        source = st.radio(t("trav.base"), sources, key="trav_source", format_func=lambda s: t(f"trav.base_{s}"))
    with base_col:
        if source == "image":
            index = image_picker(t("trav.image"), "img", images, labels, view.class_names, default=0)
            base = encode(model, to_float(torch.from_numpy(np.array(images[[index]]))))[0]
        elif source == "own":
            st.image(own, width=84, caption=t("interp.own_caption"), alt=t("alt.own_image"))
            base = encode(model, to_float(torch.from_numpy(own[None])))[0]
        else:
            base = torch.zeros(codes.shape[1])

    slider_keys = [f"trav_{view.dataset}_{page.model.name}_{d}" for d in order]
    base_id = (view.dataset, page.model.name, source, tuple(np.round(base.numpy(), 5)))
    if st.session_state.get("trav_base_id") != base_id:  # a new base: sliders start from it
        for key, d in zip(slider_keys, order):
            st.session_state[key] = float(base[d])
        st.session_state["trav_base_id"] = base_id

    def reset() -> None:
        for key, d in zip(slider_keys, order):
            st.session_state[key] = float(base[d])

    def ranges() -> list[tuple[str, int, float, float]]:
        """Each slider's key, dimension and range: ± SPAN standard deviations, widened to hold the base."""
        spans = []
        for key, d in zip(slider_keys, order):
            lo, hi = float(centre[d] - SPAN * scale[d]), float(centre[d] + SPAN * scale[d])
            spans.append((key, d, min(lo, float(base[d])), max(hi, float(base[d]))))
        return spans

    def browser_sliders() -> bool:
        """The sliders decoding in the browser while dragged; False where this model cannot be decoded there."""
        if browser_decoder.failed() is not None:
            st.caption(t(f"browser.failed_{browser_decoder.failed()}"))
            return False
        try:
            decoder = browser_decoder.browser_model(page.model, model_label(page.model))
        except browser_decoder.BrowserDecoderUnavailable as err:
            st.caption(browser_decoder.unavailable_message(err, model_label(page.model)))
            return False
        dims = [{"index": d, "label": t("trav.dim", dim=d, sd=float(scale[d])), "lo": lo, "hi": hi,
                 "value": float(np.clip(st.session_state[key], lo, hi))} for key, d, lo, hi in ranges()]
        st.caption(t("trav.sliders_help", n=len(order), span=SPAN))
        released = browser_decoder.slider_decoder(decoder, base.numpy(), dims,
                                                  key=f"trav_browser_{view.dataset}_{page.model.name}")
        if released and released.get("event") == "release" and isinstance(released.get("values"), dict):
            for key, d, lo, hi in ranges():  # told on release only: the values the page keeps
                value = released["values"].get(str(d))
                if isinstance(value, (int, float)) and np.isfinite(value):
                    st.session_state[key] = float(np.clip(value, lo, hi))
        return True

    @state.fragment
    def sliders_panel() -> None:
        if browser_sliders():
            return
        left, right = st.columns([3, 1])
        with left:
            st.caption(t("trav.sliders_help", n=len(order), span=SPAN))
            columns = st.columns(4)
            z = base.clone()
            for i, (key, d, lo, hi) in enumerate(ranges()):
                st.session_state[key] = float(np.clip(st.session_state[key], lo, hi))
                z[d] = columns[i % 4].slider(t("trav.dim", dim=d, sd=float(scale[d])), lo, hi, key=key, format="%.2f")
            st.button(t("trav.reset"), on_click=reset, icon=":material/restart_alt:", key="trav_reset")
        with right:
            st.image(pictures(decode(model, z[None]))[0], width=224, caption=t("trav.decoded"),
                     alt=t("alt.traverse_decoded", model=model_label(page.model)))

    sliders_panel()

    st.subheader(t("trav.grid"))
    steps = st.slider(t("trav.grid_steps"), 5, 15, 9, 2, key="trav_steps")
    shown = st.slider(t("trav.grid_dims"), 1, len(order), min(len(order), 8), key="trav_dims")
    sweep = decode(model, traversal_grid(base, torch.tensor(order[:shown]), centre, scale, steps=steps, span=SPAN))
    picture = grid(sweep, ncols=steps)
    st.caption(t("trav.grid_help", span=SPAN, dims=", ".join(str(d) for d in order[:shown])))
    st.image(picture, width=min(900, 60 * steps), alt=t("alt.traverse_grid", model=model_label(page.model), rows=shown))
    image_download(t("download.png"), picture, f"traversal-{view.dataset}-{page.model.name}.png", "trav_dl")


if __name__ == "__main__":
    render(open_page("trav.title", "trav.intro"))
