"""Interpolation: decode the path between two test images' codes; scrub it live in the browser."""

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.analysis.latent import crossfade, decode, encode, interpolate
from explorer.data.datasets import to_float
from explorer.data.images import grid, to_uint8
from explorer.present.exports import gif_bytes
from explorer.present.i18n import t
from explorer.store.catalog import siblings
from explorer_app import state
from explorer_app.page import PageInput, map_with_codes, model_or_error, open_page
from explorer_app.widgets import figure, file_download, image_download, image_picker, model_label, model_picker


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels

    def use_map_selection() -> None:
        chosen = state.selection_so_far()
        if len(chosen) >= 2:
            st.session_state["a"], st.session_state["b"] = chosen[0], chosen[-1]

    def random_pair() -> None:
        a, b = np.random.default_rng().choice(len(images), 2, replace=False)
        st.session_state["a"], st.session_state["b"] = int(a), int(b)

    own = state.own_image(view.dataset)  # made on the Your own image page, this session
    if state.starts_from_own_image("interpolate") and own is not None:
        st.session_state["interp_own"] = True
    pick_a, pick_b, settings = st.columns([1.2, 1.2, 1.6])
    with pick_a:
        from_own = own is not None and st.toggle(t("interp.own"), key="interp_own", help=t("interp.own_help"))
        if from_own:
            st.image(own, width=84, caption=t("interp.own_caption"), alt=t("alt.own_image"))
            index_a = None
        else:
            index_a = image_picker(t("interp.a"), "a", images, labels, view.class_names, default=0)
    with pick_b:
        index_b = image_picker(t("interp.b"), "b", images, labels, view.class_names, default=1)
    with settings:
        method = st.radio(t("interp.method"), ["linear", "spherical"], horizontal=True, key="interp_method",
                          format_func=lambda m: t(f"interp.{m}"))
        steps = st.slider(t("interp.steps"), 3, 24, 10, key="interp_steps")
        models = model_picker(t("interp.models"), view, "interp_models", siblings(view.models, view.model))
        b1, b2 = st.columns(2)
        b1.button(t("interp.random"), on_click=random_pair, icon=":material/shuffle:", key="interp_random")
        b2.button(t("interp.from_map"), on_click=use_map_selection, key="interp_from_map",
                  disabled=len(state.selection_so_far()) < 2, help=t("interp.from_map_help"))

    if not models:
        st.info(t("interp.no_models"))
        st.stop()

    start = own if from_own else images[index_a]
    pair = to_float(torch.from_numpy(np.stack([start, images[index_b]])))
    fade = crossfade(pair[0], pair[1], steps)
    paths, strips = {}, {}
    for info in models:
        model = model_or_error(info)
        if model is None:
            continue
        z = encode(model, pair)
        paths[info.name] = interpolate(z[0], z[1], steps, method)
        strips[info.name] = decode(model, paths[info.name])
    drawn = [info for info in models if info.name in strips]
    if not drawn:
        st.stop()
    primary = drawn[0]

    # --- the scrubber: frames decoded once here, switched in the browser while dragged ----
    st.subheader(t("interp.scrubber"))
    st.caption(t("interp.scrubber_help", model=model_label(primary)))
    decoded, faded = to_uint8(strips[primary.name]), to_uint8(fade)
    gap = np.full((steps, decoded.shape[1], 4, *decoded.shape[3:]), 255, np.uint8)  # a white bar between the panels
    frames = np.concatenate([decoded, gap, faded], axis=2)
    scrubber = px.imshow(frames, animation_frame=0, binary_string=True, labels={"animation_frame": t("figure.step")})
    scrubber.update_layout(height=360, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title=t("interp.scrubber_panels"))
    scrubber.update_xaxes(showticklabels=False)
    scrubber.update_yaxes(showticklabels=False)
    scrubber.layout.updatemenus[0].buttons[0].args[1]["frame"]["duration"] = 120
    figure(scrubber, "scrubber", "scrubber", config={"displaylogo": False})

    # --- strips, one per model, and the pixel cross-fade ------------------------------
    st.subheader(t("interp.strips"))
    for info in drawn:
        st.markdown(t("page.model_heading", model=model_label(info)))
        st.image(grid(strips[info.name], ncols=steps), width="stretch", alt=t("alt.path_strip", model=model_label(info)))
    st.markdown(t("page.model_heading", model=t("interp.crossfade")))
    st.image(grid(fade, ncols=steps), width="stretch", alt=t("alt.crossfade"))
    everything = grid(torch.cat([strips[m.name] for m in drawn] + [fade]), ncols=steps)
    name = f"interpolation-{view.dataset}-{'own' if from_own else index_a}-{index_b}"
    with st.container(horizontal=True):
        image_download(t("download.png"), everything, f"{name}.png", "interp_dl")
        # every model's path and the cross-fade side by side, frame by frame, played forward and back
        columns = torch.cat([strips[m.name] for m in drawn] + [fade], dim=-1)
        file_download(t("download.gif"), lambda: gif_bytes(columns.numpy()), f"{name}.gif", "image/gif",
                      "interp_gif")

    # --- the path drawn on the map ----------------------------------------------------
    st.subheader(t("interp.on_map"))
    drawn_map = map_with_codes(primary, paths[primary.name].numpy(), page,
                               selected=[index_b] if from_own else [index_a, index_b], height=520)
    if drawn_map is None:
        return
    fig, path_xy, exact = drawn_map
    st.caption(t("interp.on_map_exact") if exact else t("interp.on_map_approx"))
    fig.add_trace(go.Scatter(x=path_xy[:, 0], y=path_xy[:, 1], mode="lines+markers", name=t("interp.path"),
                             line={"color": "black", "width": 2}, marker={"size": 6, "color": "black"}))
    figure(fig, "interp_map", "interp_map", config={"displaylogo": False})


if __name__ == "__main__":
    render(open_page("interp.title", "interp.intro"))
