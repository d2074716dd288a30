"""Model card: what the sidebar's model is, how it was trained, how good it is, how to train it again."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer.analysis.denoise import quality
from explorer.analysis.latent import decode, reconstruct
from explorer.commands.train import reproduce_command
from explorer.data.datasets import to_float
from explorer.data.images import grid
from explorer.errors import CheckpointError
from explorer.models.kinds import KINDS
from explorer.models.nets import ModelConfig
from explorer.present.i18n import dataset_title, t
from explorer.samplers import NormalSampler
from explorer.store.catalog import ModelInfo
from explorer.store.checkpoint import read_config, read_metrics
from explorer_app import loaders
from explorer_app.page import PageInput, explain, model_or_error, open_page, show_error
from explorer_app.widgets import figure, model_label

LOSS_TERMS = ("loss", "recon", "kl", "mmd", "sparsity", "contractive", "adversarial", "critic")  # what explorer.models.nets' losses return
SSIM_IMAGES = 1000  # SSIM is not stored with the model: measured here on the first 1,000 test images


@st.cache_data(show_spinner=False, max_entries=32)
def card_files(identity: tuple, _info: ModelInfo) -> tuple[ModelConfig, dict, dict]:
    """The model config, the rest of config.json and metrics.json (CheckpointError if unreadable)."""
    config, data = read_config(_info.folder)
    return config, data, read_metrics(_info.folder)


@st.cache_data(show_spinner=False, max_entries=32)
def measured_ssim(identity: tuple, _info: ModelInfo) -> float:
    images = to_float(torch.from_numpy(np.array(loaders.test_split(_info.dataset)[0][:SSIM_IMAGES])))
    return float(quality(reconstruct(loaders.model(_info), images), images)["ssim"].mean())


def loss_text(config: ModelConfig) -> str:
    """The loss with each term named and its weight, as trained."""
    if config.kind == "sparse" and config.sparsity == "l1":
        return t("card.loss_sparse_l1", sparsity=config.sparsity_weight)
    return t(f"card.loss_{config.kind}", beta=config.beta, lam=config.mmd_lambda, rho=config.rho,
             noise=t(f"noise.{config.noise}"), level=config.noise_level, contractive=config.contractive_weight,
             sparsity=config.sparsity_weight, adv=config.adversarial_weight, jacobian=t(f"card.jacobian_{config.jacobian}"))


def term_name(term: str) -> str:
    """A loss term's name as the catalogue says it ("recon" → "reconstruction"); a term of a model of
    your own that the catalogue does not know, as its model named it."""
    return t(f"card.term_{term}") if term in LOSS_TERMS else term


def curves_figure(history: list[dict]) -> go.Figure:
    """Each loss term per epoch (training), and the test MSE on a second axis where recorded."""
    epochs = [h["epoch"] for h in history]
    fig = go.Figure()
    terms = [k for k in history[0] if k.startswith("train_")]
    for key in terms:
        fig.add_trace(go.Scatter(x=epochs, y=[h.get(key) for h in history], mode="lines+markers",
                                 name=t("card.curve_train", term=term_name(key.removeprefix("train_")))))
    if any("test_mse" in h for h in history):
        fig.add_trace(go.Scatter(x=epochs, y=[h.get("test_mse") for h in history], mode="lines+markers",
                                 name=t("card.curve_test_mse"), yaxis="y2", line={"dash": "dot"}))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title=t("card.epoch"),
                      yaxis_title=t("card.loss_axis"), yaxis2={"title": t("card.mse_axis"), "overlaying": "y",
                                                               "side": "right", "showgrid": False},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def render(page: PageInput) -> None:
    info = page.model
    st.subheader(model_label(info))
    try:
        config, data, metrics = card_files(info.identity, info)
    except CheckpointError as err:
        show_error(err, model_label(info))
        st.stop()
    training, versions, test = data.get("training", {}), data.get("versions", {}), metrics.get("test", {})

    # --- what it is -----------------------------------------------------------------------
    st.markdown(t(KINDS[info.kind].about_key))
    st.markdown(t("card.loss", loss=loss_text(config)))
    st.caption(t("card.shape", latent=info.latent_dim, parameters=metrics.get("train", {}).get("parameters", 0),
                 channels=" → ".join(str(c) for c in config.channels), hidden=config.hidden))

    # --- how it was trained -------------------------------------------------------------------
    st.markdown(t("card.trained_heading"))
    seconds = metrics.get("train", {}).get("seconds_per_epoch")
    settings = {
        t("card.dataset"): dataset_title(info.dataset),
        t("card.epochs"): training.get("epochs", "–"),
        t("card.batch"): training.get("batch_size", "–"),
        t("card.lr"): training.get("lr", "–"),
        t("card.seed"): training.get("seed", "–"),
        t("card.optimiser"): training.get("optimiser", "–"),
        t("card.images"): training.get("train_images", "–"),
        t("card.device"): str(training.get("device", "–")).upper(),
        t("card.time"): t("card.seconds", seconds=seconds) if seconds else "–",
    }
    if training.get("train_source") == "test":  # a theatre run on a machine without the training split
        settings[t("card.source")] = t("card.source_test", probe=training.get("held_out", "–"))
    # an HTML table: a screen reader reads it as one, and the page's language checks see its words (a data
    # grid is a canvas), as well as a tenth of a second less for the browser
    st.table({t("card.setting"): list(settings), t("card.value"): [str(v) for v in settings.values()]},
             border="horizontal", hide_index=True)
    if versions:
        st.caption(t("card.versions_line", versions=", ".join(f"{k} {v}" for k, v in versions.items())))
    history = metrics.get("history", [])
    if history:
        figure(curves_figure(history), "card_curves", "card_curves", config={"displaylogo": False})
    else:
        st.caption(t("card.no_history"))

    # --- how good it is ------------------------------------------------------------------------
    st.markdown(t("card.figures_heading"))
    model = model_or_error(info)
    figures = {t("card.mse"): test.get("mse"), t("card.psnr"): test.get("psnr"),
               t("card.ssim"): measured_ssim(info.identity, info) if model is not None else None}
    regulariser = KINDS[info.kind].regulariser
    if regulariser in test:
        figures[t(f"card.test_{regulariser}")] = test[regulariser]
    q = metrics.get("quality", {})
    for key in ("fid_recon", "fid_prior", "fid_gmm"):
        if key in q:
            figures[t(f"card.{key}")] = q[key]
    items = list(figures.items())
    for start in range(0, len(items), 4):  # four to a row, so that the labels are read whole
        for column, (name, value) in zip(st.columns(4), items[start : start + 4]):
            column.metric(name, t("card.number", value=value) if value is not None else "–")
    st.caption(t("card.figures_caption", n=test.get("n_images", 0), ssim_n=SSIM_IMAGES))

    if model is not None:
        images = page.images[:8]
        originals = to_float(torch.from_numpy(np.array(images)))
        left, right = st.columns(2)
        left.image(grid(torch.cat([originals, reconstruct(model, originals)]), ncols=8), width="stretch",
                   caption=t("card.reconstructions"), alt=t("alt.card_recon", model=model_label(info)))
        sampler, _, problem = loaders.gmm_sampler(info)
        codes = torch.cat([NormalSampler(info.latent_dim).sample(8, seed=0), sampler.sample(8, seed=0)])
        right.image(grid(decode(model, codes), ncols=8), width="stretch", caption=t("card.samples"),
                    alt=t("alt.card_samples", model=model_label(info)))
        if problem is not None:
            right.warning(t("sample.gmm_damaged", problem=explain(problem, model_label(info))))

    # --- how to train it again -----------------------------------------------------------------
    st.markdown(t("card.reproduce_heading"))
    # a model of the user's own architecture is trained by its own script (explorer.models.custom)
    command = f"python {training['script']}" if isinstance(training.get("script"), str) else reproduce_command(config, training)
    st.code(command, language="bash", wrap_lines=True)
    st.caption(t("card.reproduce_caption"))


if __name__ == "__main__":
    render(open_page("card.title", "card.intro"))
