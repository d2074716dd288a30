"""The survey's Figure 7, drawn from the real models: the VAE pulls every posterior to the prior,
the WAE only their mixture."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explorer.analysis.posterior import ACTIVE_KL_NATS, active_dimensions, kl_per_dimension
from explorer.data.images import grid
from explorer.models.kinds import KINDS
from explorer.present.i18n import t
from explorer.store.catalog import siblings
from explorer_app import loaders
from explorer_app.page import PageInput, model_or_error, open_page
from explorer_app.panels import generative_models, plane_figure
from explorer_app.widgets import figure, image_picker, model_label


def dimensions_section(view, latent_dim: int) -> None:
    """Per-dimension KL of the VAE, and every model's code mean ± sd against the prior's 0 ± 1."""
    vaes = [m for m in generative_models(view, latent_dim) if KINDS[m.kind].posterior_variance]
    compared = siblings(view.models, vaes[0]) if vaes else []
    if not compared:
        st.info(t("fig7.no_latent16", latent=latent_dim))
        return
    vae = vaes[0]
    # the VAE's KL per dimension above every model's code spread: one figure, a chart fewer for the browser
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.16,
                        subplot_titles=(t("fig7.kl_title", model=model_label(vae)), t("fig7.spread_title")))
    captions = []
    if model_or_error(vae) is not None:
        mu, logvar = loaders.test_posteriors(vae)
        kl = kl_per_dimension(mu, logvar)
        active = set(active_dimensions(kl).tolist())
        fig.add_trace(go.Bar(x=list(range(len(kl))), y=kl, name=t("fig7.kl_axis"), showlegend=False,
                             marker={"color": ["#4e79a7" if d in active else "#bab0ac" for d in range(len(kl))]},
                             hovertemplate=t("fig7.kl_hover")), row=1, col=1)
        fig.add_hline(y=ACTIVE_KL_NATS, line_dash="dot", line_color="grey", row=1, col=1)
        captions.append(t("fig7.kl_caption", active=len(active), total=len(kl), threshold=ACTIVE_KL_NATS))
    fig.add_hrect(y0=-1, y1=1, fillcolor="#dddddd", opacity=0.5, line_width=0, row=2, col=1)
    for k, info in enumerate(compared):
        if model_or_error(info) is None:
            continue
        codes = loaders.test_codes(info)
        x = np.arange(codes.shape[1]) + (k - (len(compared) - 1) / 2) * 0.2
        fig.add_trace(go.Scatter(x=x, y=codes.mean(axis=0), mode="markers", name=model_label(info),
                                 error_y={"type": "data", "array": codes.std(axis=0)},
                                 hovertemplate=t("fig7.spread_hover")), row=2, col=1)
    fig.update_layout(height=680, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    dims = list(range(latent_dim))
    fig.update_xaxes(tickvals=dims, ticktext=[t("fig7.dim", dim=d) for d in dims], title_text=t("fig7.dim_axis"))
    fig.update_yaxes(title_text=t("fig7.kl_axis"), row=1, col=1)
    fig.update_yaxes(title_text=t("fig7.code_axis"), row=2, col=1)
    figure(fig, "fig7_dimensions", "fig7_dimensions", config={"displaylogo": False})
    for caption in [*captions, t("fig7.spread_caption")]:
        st.caption(caption)


def render(page: PageInput) -> None:
    view, images, labels = page.view, page.images, page.labels
    models = generative_models(view, latent_dim=2)
    st.subheader(t("fig7.plane_title"))
    if not models:
        st.info(t("fig7.no_plane"))
    else:
        left, right = st.columns([1, 2])
        with left:
            chosen = image_picker(t("fig7.image"), "fig7_img", images, labels, view.class_names, default=0)
        with right:
            n_shown = st.slider(t("fig7.n_shown"), 50, 1000, 300, 50, key="fig7_n")
            n_sigma = st.radio(t("fig7.n_sigma"), [1.0, 2.0], horizontal=True, key="fig7_sigma",
                               format_func=lambda s: t("fig7.sigma", n=s))
        shown = np.sort(np.random.default_rng(0).choice(len(images), min(n_shown, len(images)), replace=False))
        drawn = [info for info in models if model_or_error(info) is not None]
        if drawn:
            with st.spinner(t("fig7.wait")):  # stored beside the models; computed here once for a model without
                fig, table = plane_figure(drawn, labels, view.class_names, shown, chosen, n_sigma)
            figure(fig, "fig7_planes", "fig7_planes", config={"displaylogo": False})
            for column, info in zip(st.columns(len(drawn)), drawn):
                with column:
                    st.caption(t(f"fig7.reads_{info.kind}"))
                    pair = np.stack([images[chosen], loaders.reconstructions(info, [chosen])[0]])  # one picture
                    described = t("list.left_to_right", items=t("list.separator").join([
                        t("map.original", index=chosen, label=view.class_names[int(labels[chosen])]),
                        t("fig7.reconstruction", model=model_label(info))]))
                    st.image(grid(pair, ncols=2, pad=4), width=176, caption=described, alt=described)
            st.table(table, border="horizontal", hide_index=True)  # HTML: the data grid costs a tenth of a second
            st.caption(t("fig7.table_caption", n=len(images)))
    st.subheader(t("fig7.dims_title"))
    dimensions_section(view, latent_dim=16)


if __name__ == "__main__":
    render(open_page("fig7.title", "fig7.intro"))
