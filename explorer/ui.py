"""Streamlit glue shared by every page: the view kept in the URL, the sidebar, cached loaders.

The only module of the package that imports Streamlit. Pages call :func:`view` for the
dataset and model the sidebar chose, and the loaders below for what they draw; all
computing is in the plain modules (latent, project, measure, …).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.catalog import ModelInfo, find_model, list_models
from explorer.data import DATASETS, dataset_spec, load_shipped_arrays
from explorer.errors import CheckpointError, DatasetUnavailable, ExplorerError, MapUnavailable, MixtureUnavailable
from explorer.i18n import t
from explorer.project import (
    MAP_FILE,
    LatentMap,
    file_fingerprint,
    load_map,
    map_cache_key,
    map_cache_path,
    save_map,
    subsample,
    umap_project,
)

DEFAULT_DATASET = "mnist"
DEFAULT_MODELS = ("vae-z16", "wae-z16", "ae-z16", "vae-z2")  # the first one shipped is the default
MAX_SELECTION = 200
MAX_URL_VALUE = 2000


@dataclass(frozen=True)
class View:
    dataset: str
    model: ModelInfo | None  # None when the dataset has no usable model
    models: tuple[ModelInfo, ...]  # the available models of the dataset

    @property
    def class_names(self) -> list[str]:
        return list(dataset_spec(self.dataset).class_names)


# --- cached loaders --------------------------------------------------------------


@st.cache_data(ttl=30, show_spinner=False)
def models_of(dataset: str) -> list[ModelInfo]:
    """The checkpoints of a dataset; rescanned every 30 s so a newly trained one appears."""
    return list_models(dataset)


@st.cache_resource(show_spinner=False)
def test_split(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The shipped test images (uint8 N×28×28) and labels; shared by every session, read-only."""
    images, labels = load_shipped_arrays(dataset)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@st.cache_resource(show_spinner=False, max_entries=24)
def model(dataset: str, name: str):
    """The model, loaded once per server (raises CheckpointError with the reason)."""
    import torch

    from explorer.checkpoint import load_pretrained

    torch.set_grad_enabled(False)
    info = find_model(dataset, name)
    if info is None or not info.available:
        raise CheckpointError(info.reason if info else "no such checkpoint")
    return load_pretrained(info.folder)


@st.cache_resource(show_spinner=False, max_entries=24)
def test_codes(dataset: str, name: str) -> np.ndarray:
    """Codes of the whole test split (N×d float32)."""
    import torch

    from explorer.latent import encode

    images, _ = test_split(dataset)
    z = encode(model(dataset, name), torch.from_numpy(np.array(images))).numpy()
    z.setflags(write=False)
    return z


@st.cache_data(show_spinner=False, max_entries=48)
def shipped_map(dataset: str, name: str) -> LatentMap | None:
    """The map shipped beside the model, checked against the test split; None if none ships.

    Raises MapUnavailable for a damaged file (not cached: a repaired file is read again).
    """
    info = find_model(dataset, name)
    if info is None or not (info.folder / MAP_FILE).is_file():
        return None
    return load_map(info.folder / MAP_FILE, n_images=len(test_split(dataset)[0]))


@st.cache_data(show_spinner=False, max_entries=48)
def weights_fingerprint(dataset: str, name: str) -> str:
    info = find_model(dataset, name)
    return file_fingerprint(info.folder / "model.safetensors")


# One UMAP fit at a time per server (two cores), and one per cache key: a room that
# presses "Compute" together waits for one fit and then reads it from the cache.
_umap_gate = threading.Semaphore(1)


def umap_map(dataset: str, name: str, n_points: int, n_neighbors: int, min_dist: float, seed: int,
             report=lambda text: None) -> tuple[LatentMap, bool]:
    """A UMAP map of ``n_points`` test codes, from the disk cache or computed; returns (map, was_cached)."""
    key = map_cache_key(weights_fingerprint(dataset, name), n_points, n_neighbors, min_dist, seed)
    path = map_cache_path(dataset, name, key)
    with _umap_gate:
        if path.is_file():
            try:
                return load_map(path, n_images=len(test_split(dataset)[0])), True
            except MapUnavailable:
                path.unlink(missing_ok=True)  # a broken cache entry is removed and recomputed
        report(t("recompute.step_encode", n=n_points))
        z = test_codes(dataset, name)
        indices = subsample(len(z), n_points, seed)
        report(t("recompute.step_import"))
        import umap  # noqa: F401  (paid once per server; umap_project imports it again for free)

        report(t("recompute.step_fit", n=len(indices)))
        latent_map = umap_project(z[indices], n_neighbors=n_neighbors, min_dist=min_dist, seed=seed, indices=indices)
        save_map(path, latent_map)
        return latent_map, False


# --- the view in the URL -----------------------------------------------------------


def printable(value: str, limit: int = 40) -> str:
    """A URL value or an error's reason made safe to show: printable, no markup, short."""
    kept = "".join(ch for ch in str(value) if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    kept = "".join(ch for ch in kept if ch not in "`*_[]<>#|\\$~")
    return kept[:limit] + ("…" if len(kept) > limit else "")


def default_model(models: list[ModelInfo]) -> ModelInfo | None:
    by_name = {m.name: m for m in models}
    for name in DEFAULT_MODELS:
        if name in by_name:
            return by_name[name]
    return models[0] if models else None


def _available(dataset: str) -> list[ModelInfo]:
    return [m for m in models_of(dataset) if m.available]


def _init_from_url() -> None:
    """On a session's first run, take dataset and model from the URL, checked against the registry."""
    if st.session_state.get("_view_ready"):
        return
    notices = []
    params = st.query_params
    dataset = params.get("dataset", DEFAULT_DATASET)
    if dataset not in DATASETS:
        notices.append(t("url.bad_value", field="dataset", value=printable(dataset), fallback=DATASETS[DEFAULT_DATASET].title))
        dataset = DEFAULT_DATASET
    models = _available(dataset)
    fallback = default_model(models)
    name = params.get("model")
    if name is not None and name not in {m.name for m in models}:
        notices.append(t("url.bad_value", field="model", value=printable(name), fallback=fallback.name if fallback else "—"))
        name = None
    st.session_state["dataset"] = dataset
    st.session_state["model"] = name or (fallback.name if fallback else None)
    st.session_state["_url_notices"] = notices
    st.session_state["_view_ready"] = True


def _on_dataset_change() -> None:
    fallback = default_model(_available(st.session_state["dataset"]))
    st.session_state["model"] = fallback.name if fallback else None
    st.session_state.pop("selection", None)
    st.query_params.pop("sel", None)


def _model_label(models: dict[str, ModelInfo], name: str) -> str:
    info = models[name]
    return t("model.label", kind=t(f"kind.{info.kind}"), latent=info.latent_dim)


def sidebar() -> View:
    """Draw the sidebar (dataset, model, the model's figures); keep the choice in the URL."""
    _init_from_url()
    for notice in st.session_state.get("_url_notices", []):
        st.warning(notice, icon=":material/link_off:")
    st.session_state["_url_notices"] = []
    with st.sidebar:
        st.markdown(f"### {t('app.title')}")
        st.caption(t("app.tagline"))
        dataset = st.selectbox(
            t("sidebar.dataset"), list(DATASETS), key="dataset",
            format_func=lambda d: DATASETS[d].title, on_change=_on_dataset_change,
        )
        all_models = models_of(dataset)
        models = {m.name: m for m in all_models if m.available}
        if st.session_state.get("model") not in models:
            fallback = default_model(list(models.values()))
            st.session_state["model"] = fallback.name if fallback else None
        info = None
        if models:
            name = st.selectbox(t("sidebar.model"), list(models), key="model",
                                format_func=lambda n: _model_label(models, n))
            info = models[name]
            if "mse" in info.test and "psnr" in info.test:
                st.caption(t("sidebar.figures", mse=info.test["mse"], psnr=info.test["psnr"]))
            st.caption(t(f"kind.{info.kind}.about"))
        else:
            st.warning(t("sidebar.no_models", dataset=DATASETS[dataset].title))
        broken = [m for m in all_models if not m.available]
        if broken:
            with st.expander(t("sidebar.unavailable")):
                for m in broken:
                    st.markdown(t("sidebar.unavailable_item", name=m.name, reason=printable(m.reason, 120)))
    st.query_params["dataset"] = dataset
    if info is not None:
        st.query_params["model"] = info.name
    else:
        st.query_params.pop("model", None)
    st.session_state["_view"] = View(dataset=dataset, model=info, models=tuple(models.values()))
    return st.session_state["_view"]


def view() -> View:
    """The dataset and model chosen in the sidebar for this run (app.py draws it before the page)."""
    return st.session_state["_view"]


def url_indices(key: str, n_total: int, limit: int = MAX_SELECTION) -> list[int]:
    """Test-set indices from a URL value such as ``sel=3,17,250``; anything else is dropped."""
    raw = st.query_params.get(key, "")
    return parse_indices(raw, n_total, limit)


def parse_indices(raw: str, n_total: int, limit: int = MAX_SELECTION) -> list[int]:
    if not raw or len(raw) > MAX_URL_VALUE:
        return []
    out = []
    for part in raw.split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) <= 6 and int(part) < n_total:
            out.append(int(part))
    return sorted(set(out))[:limit]


def format_indices(indices: list[int]) -> str:
    return ",".join(str(i) for i in indices[:MAX_SELECTION])


@st.cache_resource(show_spinner=False, max_entries=24)
def gmm_sampler(dataset: str, name: str):
    """The shipped mixture fitted to the training codes; where none ships, or it is damaged,
    one fitted here to the test codes.

    Returns (sampler, fitted_on, problem): fitted_on is "train" or "test"; problem is the
    MixtureUnavailable that made the shipped file unusable, or None.
    """
    from explorer.samplers import GMM_FILE, GaussianMixtureSampler

    info = find_model(dataset, name)
    problem = None
    if info is not None and (info.folder / GMM_FILE).is_file():
        try:
            return GaussianMixtureSampler.load(info.folder / GMM_FILE, latent_dim=info.latent_dim), "train", None
        except MixtureUnavailable as err:
            problem = err  # the page says so, and samples from a mixture fitted here instead
    return GaussianMixtureSampler.fit(test_codes(dataset, name), n_components=10, seed=0), "test", problem


# --- package errors, said in the catalogue's words --------------------------------------


def explain(err: ExplorerError, subject: str) -> str:
    """The catalogue's message for one of the package's errors: what it is about (a model,
    a dataset), the file, and what is wrong with it — never where the server keeps it."""
    key = "error.file" if err.file else "error.plain"
    return t(key, subject=printable(subject, 60), file=printable(err.file, 60), reason=printable(err.reason, 300))


def show_error(err: ExplorerError, subject: str) -> None:
    st.error(explain(err, subject), icon=":material/error:")


def require_test_split(view: "View") -> tuple[np.ndarray, np.ndarray]:
    """The view's test images and labels, or the page stops with the catalogue's message."""
    try:
        return test_split(view.dataset)
    except DatasetUnavailable as err:
        show_error(err, DATASETS[view.dataset].title)
        st.stop()


def model_or_error(dataset: str, info: ModelInfo):
    """The model, or None after the catalogue's message naming it (the rest of the page goes on)."""
    try:
        return model(dataset, info.name)
    except CheckpointError as err:
        show_error(err, model_title(info))
        return None


def model_title(info: ModelInfo) -> str:
    return t("model.label", kind=t(f"kind.{info.kind}"), latent=info.latent_dim)


def model_picker(label: str, view: View, key: str, default: list[str], max_selections: int = 3,
                 latent_dim: int | None = None) -> list[ModelInfo]:
    """A multiselect of this dataset's models (optionally of one latent size), the sidebar's model first."""
    options = {m.name: m for m in view.models if latent_dim is None or m.latent_dim == latent_dim}
    chosen = st.multiselect(label, list(options), default=[n for n in default if n in options][:max_selections],
                            max_selections=max_selections, key=key, format_func=lambda n: model_title(options[n]))
    return [options[n] for n in chosen]


def companion_models(view: View, kinds=("ae", "vae", "wae")) -> list[str]:
    """The sidebar's model and its siblings of the same latent size among ``kinds`` (AE | VAE | WAE)."""
    names = [view.model.name] if view.model else []
    for kind in kinds:
        name = f"{kind}-z{view.model.latent_dim}" if view.model else None
        if name and name not in names and any(m.name == name for m in view.models):
            names.append(name)
    return names


def _draw_into(key: str, labels: np.ndarray, class_key: str, seed_key: str) -> None:
    choice = st.session_state.get(class_key, -1)
    pool = np.flatnonzero(labels == choice) if choice >= 0 else np.arange(len(labels))
    st.session_state[seed_key] = st.session_state.get(seed_key, 0) + 1
    rng = np.random.default_rng(st.session_state[seed_key] * 7919 + hash(key) % 1000)
    st.session_state[key] = int(rng.choice(pool))


def image_picker(label: str, key: str, images: np.ndarray, labels: np.ndarray, class_names: list[str],
                 default: int) -> int:
    """Pick a test image by index, or draw one at random from a class; shows it. Kept in the URL as ``key``."""
    n = len(images)
    if key not in st.session_state:
        from_url = parse_indices(st.query_params.get(key, ""), n, limit=1)
        st.session_state[key] = from_url[0] if from_url else min(default, n - 1)
    st.markdown(f"**{label}**")
    picture, controls = st.columns([1, 2])
    with controls:
        index = st.number_input(t("pick.index"), 0, n - 1, key=key, step=1)
        st.selectbox(t("pick.class"), [-1, *range(len(class_names))], key=f"{key}_class",
                     format_func=lambda c: t("pick.any") if c < 0 else class_names[c])
        st.button(t("pick.draw"), key=f"{key}_draw", on_click=_draw_into,
                  args=(key, labels, f"{key}_class", f"{key}_seed"), icon=":material/casino:")
    picture.image(images[int(index)], width=84, caption=t("map.original", index=int(index), label=class_names[int(labels[int(index)])]))
    st.query_params[key] = str(int(index))
    return int(index)


def image_download(label: str, picture: np.ndarray, file_name: str, key: str) -> None:
    from explorer.images import png_bytes

    st.download_button(label, data=png_bytes(picture, scale=2), file_name=file_name, mime="image/png", key=key,
                       icon=":material/download:", on_click="ignore")
