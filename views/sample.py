"""Prior sampling: decode codes drawn from N(0, I) and from a mixture fitted to the codes."""

import streamlit as st
import torch

from explorer import ui
from explorer.i18n import t
from explorer.images import grid
from explorer.latent import decode, plane_grid
from explorer.samplers import NormalSampler

view = ui.view()
st.title(t("sample.title"))
st.caption(t("sample.intro"))
if view.model is None:
    st.stop()
ui.require_test_split(view)  # the mixture fallback and the 2-D plane read the test codes

c1, c2, c3, c4 = st.columns([2.2, 1, 1, 1])
with c1:
    models = ui.model_picker(t("sample.models"), view, "sample_models", ui.companion_models(view))
side = c2.slider(t("sample.grid"), 4, 10, 8, key="sample_side")
seed = int(c3.number_input(t("sample.seed"), 0, 2**31 - 1, 0, key="sample_seed"))
temperature = c4.slider(t("sample.temperature"), 0.1, 2.0, 1.0, 0.1, key="sample_temperature")
n = side * side

columns = st.columns(max(1, len(models)))
for column, info in zip(columns, models):
    with column:
        st.markdown(f"#### {ui.model_title(info)}")
        model = ui.model_or_error(view.dataset, info)
        if model is None:
            continue
        prior = grid(decode(model, NormalSampler(info.latent_dim).sample(n, seed, temperature)), ncols=side)
        st.markdown(t("sample.prior"))
        st.image(prior, width="stretch")
        ui.image_download(t("download.png"), prior, f"prior-{view.dataset}-{info.name}-{seed}.png", f"dl_prior_{info.name}")
        sampler, fitted_on, problem = ui.gmm_sampler(view.dataset, info.name)
        mixture = grid(decode(model, sampler.sample(n, seed, temperature)), ncols=side)
        st.markdown(t("sample.gmm"))
        st.image(mixture, width="stretch")
        if problem is None:
            st.caption(t(f"sample.gmm_{fitted_on}"))
        else:
            st.warning(t("sample.gmm_damaged", problem=ui.explain(problem, ui.model_title(info))))
        ui.image_download(t("download.png"), mixture, f"gmm-{view.dataset}-{info.name}-{seed}.png", f"dl_gmm_{info.name}")
st.info(t("sample.lesson"))

flat = [m for m in view.models if m.latent_dim == 2]
if flat:
    st.subheader(t("sample.manifold"))
    st.caption(t("sample.manifold_help"))
    side2 = st.slider(t("sample.manifold_side"), 8, 25, 15, key="manifold_side")
    columns = st.columns(len(flat))
    for column, info in zip(columns, flat):
        with column:
            st.markdown(f"**{ui.model_title(info)}**")
            model = ui.model_or_error(view.dataset, info)
            if model is None:
                continue
            codes = torch.from_numpy(ui.test_codes(view.dataset, info.name).copy())
            # The prior's ±3 for VAE/WAE; for the others, ±3 standard deviations of their own codes.
            reach = 3.0 if info.kind in ("vae", "wae") else 3.0 * float(codes.std(dim=0).max())
            plane = grid(decode(model, plane_grid(side2, -reach, reach)), ncols=side2, pad=0)
            st.image(plane, width="stretch", caption=t("sample.manifold_range", reach=reach))
            ui.image_download(t("download.png"), plane, f"manifold-{view.dataset}-{info.name}.png", f"dl_plane_{info.name}")
