"""Prior sampling: decode codes drawn from N(0, I) and from a mixture fitted to the codes."""

import numpy as np
import streamlit as st

from explorer.analysis.latent import plane_grid
from explorer.data.images import grid
from explorer.models.kinds import KINDS
from explorer.present.i18n import t
from explorer.samplers import NormalSampler
from explorer.store.catalog import siblings
from explorer_app import browser_decoder, loaders, state
from explorer_app.page import PageInput, explain, model_or_error, open_page
from explorer_app.widgets import image_download, model_label, model_picker


def render(page: PageInput) -> None:
    view = page.view
    c1, c2, c3, c4 = st.columns([2.2, 1, 1, 1])
    with c1:
        models = model_picker(t("sample.models"), view, "sample_models", siblings(view.models, view.model))
    side = c2.slider(t("sample.grid"), 4, 10, 8, key="sample_side")
    seed = int(c3.number_input(t("sample.seed"), 0, 2**31 - 1, 0, key="sample_seed"))
    temperature = c4.slider(t("sample.temperature"), 0.1, 2.0, 1.0, 0.1, key="sample_temperature")
    n = side * side
    novelty = st.toggle(t("sample.novelty"), key="sample_novelty", help=t("sample.novelty_help"))

    for column, info in zip(st.columns(max(1, len(models))), models):
        with column:
            st.markdown(t("page.column_heading", model=model_label(info)))
            model = model_or_error(info)
            if model is None:
                continue
            samples = loaders.decoded(info, ("prior", n, seed, temperature),
                                      NormalSampler(info.latent_dim).sample(n, seed, temperature))
            prior = grid(samples, ncols=side)
            st.markdown(t("sample.prior"))
            st.image(prior, width="stretch", alt=t("alt.prior_grid", n=n, model=model_label(info)))
            if novelty:
                novelty_panel(view, samples[:side])
            image_download(t("download.png"), prior, f"prior-{view.dataset}-{info.name}-{seed}.png",
                           f"dl_prior_{info.name}")
            sampler, fitted_on, problem = loaders.gmm_sampler(info)
            mixture = grid(loaders.decoded(info, ("mixture", fitted_on, n, seed, temperature),
                                           sampler.sample(n, seed, temperature)), ncols=side)
            st.markdown(t("sample.gmm"))
            st.image(mixture, width="stretch", alt=t("alt.mixture_grid", n=n, model=model_label(info)))
            if problem is None:
                st.caption(t(f"sample.gmm_{fitted_on}"))
            else:
                st.warning(t("sample.gmm_damaged", problem=explain(problem, model_label(info))))
            image_download(t("download.png"), mixture, f"gmm-{view.dataset}-{info.name}-{seed}.png",
                           f"dl_gmm_{info.name}")
    st.info(t("sample.lesson"))

    flat = [m for m in view.models if m.latent_dim == 2]
    if not flat:
        return
    st.subheader(t("sample.manifold"))
    st.caption(t("sample.manifold_help"))
    side2 = st.slider(t("sample.manifold_side"), 8, 25, 15, key="manifold_side")
    reaches = {}
    for column, info in zip(st.columns(len(flat)), flat):
        with column:
            st.markdown(t("page.model_heading", model=model_label(info)))
            model = model_or_error(info)
            if model is None:
                continue
            # The prior's ±3 for the kinds trained to fill N(0, I); for the others, ±3 standard deviations of their codes.
            reach = 3.0 if KINDS[info.kind].prior_generative else 3.0 * float(loaders.test_codes(info).std(axis=0).max())
            reaches[info.name] = reach
            plane = grid(loaders.decoded(info, ("plane", side2, reach), plane_grid(side2, -reach, reach)),
                         ncols=side2, pad=0)
            st.image(plane, width="stretch", caption=t("sample.manifold_range", reach=reach),
                     alt=t("alt.plane", model=model_label(info)))
            image_download(t("download.png"), plane, f"manifold-{view.dataset}-{info.name}.png", f"dl_plane_{info.name}")
    if reaches:
        # the sidebar's model first when it is one of them: its test codes are the dots, its reach the range
        drawn = [info for info in flat if info.name in reaches]
        drawn.sort(key=lambda info: info != view.model)
        plane_flashlight(view, drawn, reaches[drawn[0].name])


def novelty_panel(view, samples) -> None:
    """Each sample beside its nearest training image and the distance: is the model copying?"""
    from explorer.analysis.neighbours import nearest_to_samples
    from explorer.data.images import to_uint8

    images, _ = loaders.test_split(view.dataset)
    reference = loaders.training_images(view.dataset)
    source = "train" if reference is not None else "test"
    reference = reference if reference is not None else images
    index, distance = nearest_to_samples(samples, reference)
    st.markdown(t(f"sample.novelty_{source}"))
    st.image(list(to_uint8(samples)), width=44, caption=[t("sample.novelty_distance", d=float(d)) for d in distance],
             alt=[t("alt.sample", k=k + 1) for k in range(len(samples))])
    st.image([reference[i] for i in index], width=44, alt=[t("alt.nearest_train", k=k + 1) for k in range(len(index))])
    if source == "train":  # unseen images are the yardstick: their own distance to the nearest training image
        _, held_out = nearest_to_samples(np.asarray(images[:len(samples)], dtype=np.float32) / 255.0, reference)
        st.caption(t("sample.novelty_reference", sample=float(np.median(distance)), test=float(np.median(held_out))))
    else:
        st.caption(t("sample.novelty_no_train", sample=float(np.median(distance))))


@state.fragment  # a click on the plane reruns this panel only, not the grids above
def plane_flashlight(view, flat: list, reach: float) -> None:
    """The 2-D latent planes decoded under the pointer in the browser: one code, every latent-2 model at once."""
    if browser_decoder.failed() is not None:
        st.caption(t(f"browser.failed_{browser_decoder.failed()}"))
        return
    models = []
    for info in flat:
        try:
            models.append(browser_decoder.browser_model(info, model_label(info)))
        except browser_decoder.BrowserDecoderUnavailable as err:
            st.caption(browser_decoder.unavailable_message(err, model_label(info)))
    if not models:
        return
    st.subheader(t("sample.plane_live"))
    st.caption(t("sample.plane_live_help", model=models[0].label))
    _, labels = loaders.test_split(view.dataset)
    browser_decoder.flashlight(models[:3], loaders.test_codes(models[0].info), labels, view.class_names,
                               key="plane_flashlight", height=460, bounds=(-reach, reach, -reach, reach))


if __name__ == "__main__":
    render(open_page("sample.title", "sample.intro"))
