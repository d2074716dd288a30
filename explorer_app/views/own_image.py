"""Your own image: upload or draw one, see what it becomes for the models, and what each model makes of it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.analysis.latent import decode, encode
from explorer.data.datasets import DATASETS, to_float
from explorer.data.images import pictures
from explorer.data.own_image import ImageRejected, percentile_of, prepare_bytes
from explorer.present.figures import code_figure
from explorer.present.i18n import t
from explorer.store.catalog import denoising_pair, siblings
from explorer_app import loaders, page_script, state
from explorer_app.page import PageInput, map_with_codes, model_or_error, open_page
from explorer_app.widgets import figure, model_label, model_picker

CANVAS_SIDE = 280  # ten canvas pixels to an image pixel: a stroke of 18–24 is an MNIST pen
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "webp", "gif"]
N_NEIGHBOURS = 8


def render(page: PageInput) -> None:
    view = page.view
    source = st.radio(t("own.source"), ["upload", "draw"], horizontal=True, key="own_source",
                      format_func=lambda s: t(f"own.source_{s}"))
    data = uploaded_bytes() if source == "upload" else drawn_bytes()
    if data is None:
        st.info(t(f"own.waiting_{source}"), icon=":material/draw:")
        return
    try:
        prepared = prepare_bytes(data, view.dataset, image_shape(page.images))
    except ImageRejected as err:
        st.error(t(err.key, **err.fields), icon=":material/error:")
        return
    state.set_own_image(view.dataset, prepared.image)

    st.subheader(t("own.steps_heading"))
    st.caption(t(f"own.steps_{view.dataset if view.dataset in DATASETS else 'user'}", size=image_shape(page.images)[1]))
    names = [name for name, _ in prepared.steps]
    described = [t(f"own.step_{name}", inverted=t("own.inverted") if prepared.inverted else t("own.not_inverted"))
                 for name in names]
    st.image([square(np.clip(step, 0, 1)) for _, step in prepared.steps], width=120, caption=described,
             alt=described)

    go_interpolate, go_traverse = st.columns(2)
    if go_interpolate.button(t("own.to_interpolate"), icon=":material/linear_scale:", key="own_to_interpolate"):
        state.start_from_own_image("interpolate")
        st.switch_page(page_script("interpolate"))
    if go_traverse.button(t("own.to_traverse"), icon=":material/tune:", key="own_to_traverse"):
        state.start_from_own_image("traverse")
        st.switch_page(page_script("traverse"))

    models = model_picker(t("own.models"), view, "own_models", siblings(view.models, view.model))
    if not models:
        st.info(t("own.no_models"))
        return
    x = to_float(torch.from_numpy(prepared.image[None]))
    for column, info in zip(st.columns(len(models)), models):
        with column:
            model_panel(info, x, page)
    denoiser_panel(view.models, x, models[0].latent_dim)


def image_shape(images: np.ndarray) -> tuple[int, int, int]:
    """C×H×W of the dataset's images (stored N×H×W grey or N×H×W×3 RGB)."""
    return (3 if images.ndim == 4 else 1), images.shape[1], images.shape[2]


def square(picture: np.ndarray) -> np.ndarray:
    """The picture centred on a square of its background (black), so the steps line up on the page."""
    h, w = picture.shape[:2]
    side = max(h, w)
    out = np.zeros((side, side, *picture.shape[2:]), dtype=picture.dtype)
    out[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = picture
    return out


def uploaded_bytes() -> bytes | None:
    upload = st.file_uploader(t("own.upload"), type=UPLOAD_TYPES, key="own_upload", help=t("own.upload_help"))
    return None if upload is None else upload.getvalue()


def drawn_bytes() -> bytes | None:
    from streamlit_drawable_canvas import st_canvas

    width = st.slider(t("own.stroke"), 8, 40, 20, key="own_stroke")
    result = st_canvas(stroke_width=width, stroke_color="#FFFFFF", background_color="#000000",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       key="own_canvas")
    if not (result.json_data or {}).get("objects"):
        return None  # nothing drawn yet
    return result.image_bytes


def model_panel(info, x: torch.Tensor, page: PageInput) -> None:
    st.markdown(t("page.model_heading", model=model_label(info)))
    model = model_or_error(info)
    if model is None:
        return
    z = encode(model, x)
    recon = decode(model, z)
    error = float(((recon - x) ** 2).mean())
    st.image(pictures(torch.cat([x, recon])), width=96, caption=[t("own.input"), t("map.error", mse=error)],
             alt=[t("alt.own_image"), t("alt.own_reconstruction", model=model_label(info))])
    unusual = percentile_of(error, loaders.test_errors(info))
    st.metric(t("own.unusual"), t("own.percentile", p=unusual), help=t("own.unusual_help"))

    code = z[0].numpy()
    figure(code_figure(code), f"own_code_{info.name}", f"own_code_{info.name}", config={"displaylogo": False})

    codes = loaders.test_codes(info)
    nearest = np.argsort(((codes - code) ** 2).sum(axis=1))[:N_NEIGHBOURS]
    st.markdown(t("own.neighbours"))
    described = [t("map.original", index=int(i), label=page.view.class_names[int(page.labels[i])]) for i in nearest]
    st.image([page.images[i] for i in nearest], width=56, caption=described, alt=described)
    drawn_map = map_with_codes(info, code[None], page, selected=[int(i) for i in nearest], height=360)
    if drawn_map is None:
        return
    fig, xy, exact = drawn_map
    fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=t("own.here"),
                             marker={"symbol": "star", "size": 18, "color": "black", "line": {"color": "white", "width": 1}},
                             hovertemplate=t("own.here_hover")))
    fig.update_layout(showlegend=False)
    figure(fig, f"own_map_{info.name}", f"own_map_{info.name}", config={"displaylogo": False})
    st.caption(t("own.on_map_exact") if exact else t("own.on_map_approx"))


def denoiser_panel(models, x: torch.Tensor, latent_dim: int) -> None:
    pair = denoising_pair(models, latent_dim)
    if pair is None:
        return
    denoiser, plain = pair
    st.subheader(t("own.denoiser_heading"))
    cleaned = []
    for info in (denoiser, plain):
        model = model_or_error(info)
        if model is None:
            return
        cleaned.append(decode(model, encode(model, x)))
    st.image(pictures(torch.cat([x, *cleaned])), width=96,
             caption=[t("own.input"), model_label(denoiser), model_label(plain)],
             alt=[t("alt.own_image"), *(t("alt.own_cleaned", model=model_label(m)) for m in (denoiser, plain))])
    st.caption(t("own.denoiser_caption"))


if __name__ == "__main__":
    render(open_page("own.title", "own.intro"))
