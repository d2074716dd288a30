"""Denoising lab: clean | corrupted | denoising AE | plain AE, with PSNR and SSIM (the survey's figure 2, live)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explorer.data.corrupt import CORRUPTIONS
from explorer.present.i18n import t
from explorer.store.catalog import denoising_pair
from explorer.store.precomputed import DENOISE_LEVELS, denoise_images
from explorer_app import loaders, state
from explorer_app.page import PageInput, model_or_error, open_page
from explorer_app.panels import denoising_rows
from explorer_app.widgets import figure, model_label


def render(page: PageInput) -> None:
    view, images = page.view, page.images
    pair = denoising_pair(view.models, view.model.latent_dim if view.model else None)
    if pair is None:
        st.info(t("denoise.no_pair"))
        st.stop()
    dae_info, ae_info = pair
    dae, ae = model_or_error(dae_info), model_or_error(ae_info)
    if dae is None or ae is None:
        st.stop()

    c1, c2, c3, c4 = st.columns(4)
    kind = c1.selectbox(t("denoise.kind"), list(CORRUPTIONS), key="noise_kind", format_func=lambda k: t(f"noise.{k}"))
    level = c2.slider(t("denoise.level"), 0.0, 1.0, 0.4 if kind == "gaussian" else 0.3, 0.05, key=f"noise_level_{kind}")
    seed = int(c3.number_input(t("denoise.seed"), 0, 2**31 - 1, 0, key="noise_seed"))
    count = c4.slider(t("denoise.count"), 4, 12, 8, key="noise_count")
    held_out = denoise_images(len(images))
    chosen = state.selection_so_far()
    from_selection = st.toggle(t("denoise.use_selection"), key="noise_from_selection", disabled=not chosen)
    rng = np.random.default_rng(seed)
    indices = (chosen[:count] if from_selection and chosen
               else sorted(rng.choice(len(images) - held_out, count, replace=False).tolist()))

    denoising_rows(images, indices, kind, level, seed, (dae_info, dae), (ae_info, ae))

    st.subheader(t("denoise.curve"))
    st.caption(t("denoise.curve_help", n=held_out))
    with st.spinner(t("denoise.curve_wait")):  # stored beside each model; computed here once for one without
        dae_curve, ae_curve = loaders.denoise_curve(dae_info, kind), loaders.denoise_curve(ae_info, kind)
    curves = {"identity": dae_curve[0], dae_info.name: dae_curve[1], ae_info.name: ae_curve[1]}
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("figure.psnr_db"), t("figure.ssim")))
    labels = {"identity": t("denoise.identity"), dae_info.name: model_label(dae_info), ae_info.name: model_label(ae_info)}
    for name, curve in curves.items():
        for col, values in ((1, curve[0]), (2, curve[1])):
            fig.add_trace(go.Scatter(x=list(DENOISE_LEVELS[kind]), y=values, mode="lines+markers", name=labels[name],
                                     legendgroup=name, showlegend=col == 1), row=1, col=col)
    fig.add_vline(x=level, line_dash="dot", line_color="grey")
    fig.update_xaxes(title_text=t("denoise.level"))
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    figure(fig, "noise_curve", "noise_curve", config={"displaylogo": False})


if __name__ == "__main__":
    render(open_page("denoise.title", "denoise.intro", needs_model=False))
