"""Denoising lab: clean | corrupted | denoising AE | plain AE, with PSNR and SSIM (the survey's figure 2, live)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from explorer import ui
from explorer.corrupt import CORRUPTIONS, corrupt
from explorer.denoise import noise_curve, quality
from explorer.i18n import t
from explorer.latent import reconstruct

CURVE_LEVELS = {"gaussian": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8],
                "salt-and-pepper": [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                "masking": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]}
CURVE_IMAGES = 500  # the held-out batch: the last 500 test images (half the split, if smaller)

view = ui.view()
st.title(t("denoise.title"))
st.caption(t("denoise.intro"))
images, labels = ui.require_test_split(view)

latent = view.model.latent_dim if view.model else 16
names = {m.name for m in view.models}
pair = [f"dae-z{latent}", f"ae-z{latent}"]
if not all(n in names for n in pair):
    pair = next(([f"dae-z{m.latent_dim}", f"ae-z{m.latent_dim}"] for m in view.models
                 if m.kind == "dae" and f"ae-z{m.latent_dim}" in names), None)
if pair is None:
    st.info(t("denoise.no_pair"))
    st.stop()
by_name = {m.name: m for m in view.models}
dae, ae = (ui.model_or_error(view.dataset, by_name[name]) for name in pair)
if dae is None or ae is None:
    st.stop()

c1, c2, c3, c4 = st.columns(4)
kind = c1.selectbox(t("denoise.kind"), list(CORRUPTIONS), key="noise_kind", format_func=lambda k: t(f"noise.{k}"))
level = c2.slider(t("denoise.level"), 0.0, 1.0, 0.4 if kind == "gaussian" else 0.3, 0.05, key=f"noise_level_{kind}")
seed = int(c3.number_input(t("denoise.seed"), 0, 2**31 - 1, 0, key="noise_seed"))
count = c4.slider(t("denoise.count"), 4, 12, 8, key="noise_count")
held_out = min(CURVE_IMAGES, len(images) // 2)
chosen = st.session_state.get("selection", [])
from_selection = st.toggle(t("denoise.use_selection"), key="noise_from_selection", disabled=not chosen)
rng = np.random.default_rng(seed)
indices = chosen[:count] if from_selection and chosen else sorted(rng.choice(len(images) - held_out, count, replace=False).tolist())

clean = torch.from_numpy(np.array(images[indices])).float().div(255).unsqueeze(1)
noisy = corrupt(clean, kind, level, seed=seed)
rows = [(t("denoise.clean"), clean), (t("denoise.corrupted"), noisy), (t("denoise.dae", name=pair[0]), reconstruct(dae, noisy)),
        (t("denoise.ae", name=pair[1]), reconstruct(ae, noisy))]

metric_columns = st.columns(3)
corrupted_quality = quality(noisy, clean)
for (title, out), column in zip(rows[1:], metric_columns):
    q = quality(out, clean)
    column.metric(title, f"{q['psnr'].mean():.1f} dB", None if out is noisy else f"{(q['psnr'].mean() - corrupted_quality['psnr'].mean()):+.1f} dB")
    column.caption(t("denoise.ssim_mean", ssim=q["ssim"].mean().item()))
for title, out in rows:
    st.markdown(f"**{title}**")
    if out is clean:
        st.image([o[0].numpy() for o in out], width=80, clamp=True, caption=[f"#{i}" for i in indices])
    else:
        q = quality(out, clean)
        st.image([o[0].numpy() for o in out], width=80, clamp=True,
                 caption=[t("denoise.caption", psnr=p, ssim=s) for p, s in zip(q["psnr"].tolist(), q["ssim"].tolist())])


@st.cache_data(show_spinner=False, max_entries=32)
def cached_curve(dataset: str, kind: str, dae_name: str, ae_name: str, n: int) -> dict:
    batch = torch.from_numpy(np.array(ui.test_split(dataset)[0][-n:])).float().div(255).unsqueeze(1)
    models = {dae_name: ui.model(dataset, dae_name), ae_name: ui.model(dataset, ae_name)}
    return noise_curve(models, batch, kind, CURVE_LEVELS[kind], seed=0)


st.subheader(t("denoise.curve"))
st.caption(t("denoise.curve_help", n=held_out))
with st.spinner(t("denoise.curve_wait")):
    curves = cached_curve(view.dataset, kind, pair[0], pair[1], held_out)
fig = make_subplots(rows=1, cols=2, subplot_titles=("PSNR (dB)", "SSIM"))
for name, curve in curves.items():
    label = t("denoise.identity") if name == "identity" else name
    for col, key in ((1, "psnr"), (2, "ssim")):
        fig.add_trace(go.Scatter(x=CURVE_LEVELS[kind], y=curve[key], mode="lines+markers", name=label,
                                 legendgroup=name, showlegend=col == 1), row=1, col=col)
fig.add_vline(x=level, line_dash="dot", line_color="grey")
fig.update_xaxes(title_text=t("denoise.level"))
fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10})
st.plotly_chart(fig, key="noise_curve", config={"displaylogo": False})
