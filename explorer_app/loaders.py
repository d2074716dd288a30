"""What the pages draw from, loaded once per server and shared by every session.

Each loader is keyed by what it reads: a dataset's name, or a model's identity
(``ModelInfo.identity``: dataset, name, folder and the weights' size and time), so a
model is never looked up again by scanning the zoo, and a retrained one is loaded anew.
They raise the package's own errors (explorer.errors); ``explorer_app.page`` says them in the
catalogue's words. Errors are not cached: a repaired file is read again.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from explorer.analysis.project import (
    MAP_FILE,
    LatentMap,
    latent_plane_map,
    load_map,
    map_cache_key,
    map_cache_path,
    project,
    save_map,
    subsample,
    weights_fingerprint,
)
from explorer.data.datasets import load_shipped_arrays
from explorer.errors import (
    CheckpointError,
    DatasetUnavailable,
    ExplorerError,
    MapUnavailable,
    MixtureUnavailable,
    ViewsUnavailable,
)
from explorer.models.kinds import KINDS
from explorer.present.i18n import t
from explorer.store.catalog import ModelInfo, list_models
from explorer.store.precomputed import has_posterior_variance


@st.cache_data(ttl=30, show_spinner=False)
def models_of(dataset: str) -> list[ModelInfo]:
    """The checkpoints of a dataset, available or not; rescanned every 30 s so a new one appears."""
    return list_models(dataset)


def available_models(dataset: str) -> list[ModelInfo]:
    return [m for m in models_of(dataset) if m.available]


@st.cache_resource(show_spinner=False)
def test_split(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The shipped test images (uint8 N×28×28) and labels; shared by every session, read-only."""
    images, labels = load_shipped_arrays(dataset)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@st.cache_resource(show_spinner=False, max_entries=24)
def _model(identity: tuple, _info: ModelInfo):
    import torch

    from explorer.store.checkpoint import load_pretrained

    torch.set_grad_enabled(False)
    return load_pretrained(_info.folder)


def model(info: ModelInfo):
    """The model, loaded once per server; CheckpointError with the reason if it cannot be."""
    if not info.available:
        raise CheckpointError(info.reason)
    return _model(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=48)
def _stored_views(identity: tuple, _info: ModelInfo) -> dict[str, np.ndarray]:
    from explorer.store.precomputed import VIEWS_FILE, load_views

    try:
        return load_views(_info.folder / VIEWS_FILE, _weights_fingerprint(identity, _info),
                          len(test_split(_info.dataset)[0]), _info.latent_dim)
    except ViewsUnavailable:
        return {}  # missing, stale or damaged (zoo check says which): what a page needs is computed instead


def stored_views(info: ModelInfo) -> dict[str, np.ndarray]:
    """The arrays precomputed beside the model (explorer.precomputed: views.npz), read-only; {} where there are
    none that fit its weights and test split."""
    return _stored_views(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=48)
def _test_encoding(identity: tuple, _info: ModelInfo) -> dict[str, np.ndarray]:
    import torch

    from explorer.store.precomputed import encode_test

    stored = stored_views(_info)
    if "codes" in stored and ("logvar" in stored or not has_posterior_variance(_info.kind)):
        return {name: stored[name] for name in ("codes", "logvar") if name in stored}
    images, _ = test_split(_info.dataset)
    arrays = encode_test(model(_info), torch.from_numpy(np.array(images)))
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def test_codes(info: ModelInfo) -> np.ndarray:
    """Codes of the whole test split (N×d float32; μ for a Gaussian encoder), read-only."""
    return _test_encoding(info.identity, info)["codes"]


def test_posteriors(info: ModelInfo) -> tuple[np.ndarray, np.ndarray]:
    """μ and log σ² of a Gaussian encoder's posteriors over the whole test split, read-only."""
    arrays = _test_encoding(info.identity, info)
    return arrays["codes"], arrays["logvar"]


@st.cache_data(show_spinner=False, max_entries=48)
def _shipped_map(identity: tuple, map_stamp: int, _info: ModelInfo) -> LatentMap | None:
    path = _info.folder / MAP_FILE
    if not path.is_file():
        # A 2-D code is its own map (a model trained on your data ships no map.npz): drawn exactly.
        return latent_plane_map(test_codes(_info)) if _info.latent_dim == 2 else None
    return load_map(path, n_images=len(test_split(_info.dataset)[0]))


@st.cache_data(show_spinner=False, max_entries=24)
def _stand_in_map(identity: tuple, _info: ModelInfo) -> LatentMap:
    from explorer.analysis.project import pca_project

    latent_map = pca_project(test_codes(_info), dims=2)
    latent_map.params["stand_in"] = True  # the caption says so, and what comes instead
    return latent_map


def _map_stamp(info: ModelInfo) -> int:
    try:
        return (info.folder / MAP_FILE).stat().st_mtime_ns
    except OSError:
        return 0


def shipped_map(info: ModelInfo) -> LatentMap | None:
    """The map shipped beside the model, checked against the test split (for a latent-2 model without
    one, its codes). A larger code without one (a zoo of your own, a theatre run) gets its PCA map at once,
    ``params["stand_in"]``, while its UMAP map is made in the background (explorer.store.map_job) and read
    here once it is there. None only where no map can be had.

    Raises MapUnavailable for a damaged file.
    """
    stamp = _map_stamp(info)
    if stamp or info.latent_dim == 2:
        return _shipped_map(info.identity, stamp, info)
    map_job(info)
    return _stand_in_map(info.identity, info)


def map_job(info: ModelInfo):
    """Where the background UMAP map of a model without one stands (explorer.store.map_job.MapJob), started if
    it is not: one job per checkpoint, however many sessions look; never in the shipped zoo."""
    import os

    from explorer.data.datasets import pretrained_dir
    from explorer.store import map_job as jobs

    if info.folder.resolve().is_relative_to(pretrained_dir().resolve()):
        return jobs.map_job(info.folder)  # the shipped zoo is written by its own commands only
    return jobs.start_map_job(info.folder, parent=os.getpid())


@st.cache_resource(show_spinner=False, max_entries=6)
def _points_map(identity: tuple, which: str, _latent_map: LatentMap):
    from explorer_app.points_chart import prepared_map

    return prepared_map(_latent_map.xy, test_split(identity[0])[1][_latent_map.indices], _latent_map.indices)


def points_map(info: ModelInfo, which: str, latent_map: LatentMap):
    """``latent_map`` (``which`` names it: the shipped map, or a recomputed one's spec) as the map of many points
    takes it (explorer_app.points_chart.prepared_map), prepared once per server: read-only."""
    return _points_map(info.identity, which, latent_map)


# One projection fit at a time per server (two cores), and one per cache key: a room that
# presses "Compute" together waits for one fit and then reads it from the cache.
_fit_gate = threading.Semaphore(1)


@st.cache_data(show_spinner=False, max_entries=48)
def _weights_fingerprint(identity: tuple, _info: ModelInfo) -> str:
    return weights_fingerprint(_info.folder)


def projected_map(info: ModelInfo, method: str, dims: int, n_points: int, seed: int, params: dict,
                  report=lambda text: None) -> tuple[LatentMap, bool]:
    """A map of ``n_points`` test codes by ``method`` (explorer.analysis.project.PROJECTIONS), from the disk cache
    or computed (its faithfulness measured with it); returns (map, was_cached)."""
    key = map_cache_key(_weights_fingerprint(info.identity, info), method, dims, n_points, seed, params)
    path = map_cache_path(info.dataset, info.name, key)
    with _fit_gate:
        if path.is_file():
            try:
                return load_map(path, n_images=len(test_split(info.dataset)[0])), True
            except MapUnavailable:
                path.unlink(missing_ok=True)  # a broken cache entry is removed and recomputed
        report(t("recompute.step_encode", n=n_points))
        z = test_codes(info)
        indices = subsample(len(z), n_points, seed)
        if method == "umap":
            report(t("recompute.step_import"))
            import umap  # noqa: F401  (paid once per server; umap_project imports it again for free)
        report(t("recompute.step_fit", n=len(indices), method=t(f"projection.{method}")))
        latent_map = project(z[indices], method, dims=dims, seed=seed, indices=indices, **params,
                             progress=lambda done, total: report(t("recompute.step_place", done=done, total=total)))
        save_map(path, latent_map)
        return latent_map, False


@st.cache_resource(show_spinner=False, max_entries=24)
def _test_errors(identity: tuple, _info: ModelInfo) -> np.ndarray:
    import torch

    from explorer.analysis.denoise import reconstruction_errors

    stored = stored_views(_info)
    if "errors" in stored:
        return stored["errors"]
    errors = reconstruction_errors(model(_info), torch.from_numpy(np.array(test_split(_info.dataset)[0])))
    errors.setflags(write=False)
    return errors


def test_errors(info: ModelInfo) -> np.ndarray:
    """Each test image's reconstruction MSE under the model: the anomaly score's reference distribution."""
    return _test_errors(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=24)
def _anomaly_scores(identity: tuple, _info: ModelInfo) -> dict[str, np.ndarray]:
    import torch

    from explorer.data.datasets import other_dataset
    from explorer.store.precomputed import ANOMALY_IMAGES, anomaly_scores

    scores = {"test": test_errors(_info)[:ANOMALY_IMAGES]}
    stored = {key.removeprefix("anomaly_"): array for key, array in stored_views(_info).items()
              if key.startswith("anomaly_")}
    if {"noise", "upside_down", "inverted"} <= set(stored):
        return {**scores, **stored}
    try:
        other = torch.from_numpy(np.array(test_split(other_dataset(_info.dataset))[0]))
    except (DatasetUnavailable, StopIteration):  # the other dataset's images are not here: that set is left out
        other = None
    images = torch.from_numpy(np.array(test_split(_info.dataset)[0]))
    computed = {key.removeprefix("anomaly_"): array for key, array in anomaly_scores(model(_info), images, other).items()}
    return {**scores, **computed}


def anomaly_scores(info: ModelInfo) -> dict[str, np.ndarray]:
    """Reconstruction errors of the first test images ("test") and of inputs the model never saw (the other
    dataset, noise, upside-down, inverted), stored beside the model or computed here once."""
    return _anomaly_scores(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=24)
def _anomaly_curves(identity: tuple, _info: ModelInfo) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    from explorer.metrics.measure import roc

    scores = anomaly_scores(_info)
    return {key: roc(scores["test"], values) for key, values in scores.items() if key != "test"}


def anomaly_curves(info: ModelInfo) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Each set's ROC curve against the test images (false and true positive rates) and its AUC."""
    return _anomaly_curves(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=256)
def _reconstructions(identity: tuple, indices: tuple[int, ...], _info: ModelInfo) -> np.ndarray:
    import torch

    from explorer.analysis.latent import reconstruct
    from explorer.data.images import to_uint8

    images = torch.from_numpy(np.array(test_split(_info.dataset)[0][list(indices)]))
    out = to_uint8(reconstruct(model(_info), images))
    out.setflags(write=False)
    return out


def reconstructions(info: ModelInfo, indices) -> np.ndarray:
    """The model's reconstructions of the test images ``indices``, as uint8 pictures (read-only), kept per model."""
    return _reconstructions(info.identity, tuple(int(i) for i in indices), info)


@st.cache_resource(show_spinner=False, max_entries=128)
def _decoded(identity: tuple, what: tuple, _info: ModelInfo, _codes) -> np.ndarray:
    import torch

    from explorer.analysis.latent import decode

    out = decode(model(_info), torch.as_tensor(_codes)).numpy()
    out.setflags(write=False)
    return out


def decoded(info: ModelInfo, what: tuple, codes) -> np.ndarray:
    """The model's images (N×C×H×W float32 in [0, 1], read-only) of ``codes``, kept per model and ``what``: a tuple
    that names those codes (the sampler, its size, seed and temperature, say), which decide them."""
    return _decoded(info.identity, what, info, codes)


@st.cache_data(show_spinner=False, max_entries=64)
def _denoise_curve(identity: tuple, kind: str, _info: ModelInfo) -> np.ndarray:
    import torch

    from explorer.store.precomputed import denoise_curves

    stored = stored_views(_info)
    if f"denoise_{kind}" in stored:
        return stored[f"denoise_{kind}"]
    images = torch.from_numpy(np.array(test_split(_info.dataset)[0]))
    return denoise_curves(model(_info), images, kinds=(kind,))[f"denoise_{kind}"]


def denoise_curve(info: ModelInfo, kind: str) -> np.ndarray:
    """[corrupted input, the model's output] × [PSNR, SSIM] × noise level (explorer.store.precomputed.DENOISE_LEVELS)."""
    return _denoise_curve(info.identity, kind, info)


@st.cache_data(show_spinner=False, max_entries=24)
def _prior_figures(identity: tuple, _info: ModelInfo) -> dict:
    from explorer.store.precomputed import aggregate_contours, mmd_to_prior

    stored = stored_views(_info)
    figures = {"mmd": float(stored["mmd"]) if "mmd" in stored else mmd_to_prior(test_codes(_info))}
    if _info.latent_dim == 2:
        if "aggregate_paths" in stored and "aggregate_extent" in stored:
            figures["paths"], figures["extent"] = stored["aggregate_paths"], float(stored["aggregate_extent"])
        else:
            logvar = test_posteriors(_info)[1] if has_posterior_variance(_info.kind) else None
            figures["paths"], figures["extent"] = aggregate_contours(test_codes(_info), logvar)
    return figures


def prior_figures(info: ModelInfo) -> dict:
    """How far the codes are from the prior: ``mmd`` (MMD², the WAE's kernel) and, at latent size 2, the aggregate
    posterior's highest-density contours (``paths``) and the half-width of the square they span (``extent``)."""
    return _prior_figures(info.identity, info)


@st.cache_resource(show_spinner=False, max_entries=24)
def _gmm_sampler(identity: tuple, _info: ModelInfo):
    from explorer.samplers import GMM_FILE, GaussianMixtureSampler

    problem = None
    if (_info.folder / GMM_FILE).is_file():
        try:
            return GaussianMixtureSampler.load(_info.folder / GMM_FILE, latent_dim=_info.latent_dim), "train", None
        except MixtureUnavailable as err:
            problem = err  # the page says so, and samples from a mixture fitted here instead
    return GaussianMixtureSampler.fit(test_codes(_info), n_components=10, seed=0), "test", problem


def gmm_sampler(info: ModelInfo):
    """The shipped mixture fitted to the training codes; where none ships, or it is damaged,
    one fitted here to the test codes.

    Returns (sampler, fitted_on, problem): fitted_on is "train" or "test"; problem is the
    MixtureUnavailable that made the shipped file unusable, or None.
    """
    return _gmm_sampler(info.identity, info)


# --- the applications page: stored figures, and figures computed on demand -------------


@st.cache_data(show_spinner=False, max_entries=64)
def _application_figures(identity: tuple, _info: ModelInfo) -> dict | None:
    from explorer.analysis.applications import stored_model_figures

    return stored_model_figures(_info.dataset, _info.name, _info.folder)


def application_figures(info: ModelInfo) -> dict | None:
    """A model's application figures (shipped beside it, or computed here earlier), or None if neither.

    Raises ApplicationsUnavailable for a damaged file that nothing computed since replaces."""
    return _application_figures(info.identity, info)


@st.cache_data(show_spinner=False, max_entries=8)
def _baselines(dataset: str, stamp: tuple) -> dict | None:
    from explorer.analysis.applications import baselines_path, read_figures

    return read_figures(baselines_path(dataset))


def baselines(dataset: str) -> dict | None:
    """The dataset's pixel and PCA baselines, or None if none are stored (ApplicationsUnavailable if damaged)."""
    from explorer.analysis.applications import baselines_path

    try:
        info = baselines_path(dataset).stat()
    except OSError:
        return None
    return _baselines(dataset, (info.st_size, info.st_mtime_ns))


@st.cache_resource(show_spinner=False, max_entries=4)
def training_images(dataset: str) -> np.ndarray | None:
    """The training images (uint8) if this machine has them (never downloaded here), else None."""
    from explorer.data.datasets import DATASETS, DatasetUnavailable, load_split

    try:
        if dataset in DATASETS:
            images = load_split(dataset, "train", download=False)[0].numpy()
        else:
            from explorer.data.userdata import training_split_of

            images = training_split_of(dataset).images
    except (DatasetUnavailable, OSError, ValueError):
        return None
    images.setflags(write=False)
    return images


def application_splits(dataset: str):
    """The training split (the labelled pool) and the test splits, from this machine only (no download)."""
    from explorer.analysis.applications import load_splits

    return load_splits(dataset, download=False)


# One computation at a time per server: a room that presses "Compute" together waits for
# one, and the others then find its figures.
_applications_gate = threading.Lock()


def compute_application_figures(info: ModelInfo, progress) -> dict:
    """Measure a model's application figures here and keep them in the disk cache (never in its folder)."""
    from explorer.analysis.applications import cached_figures_path, measure_model, write_figures

    with _applications_gate:
        try:
            figures = application_figures(info)
        except ExplorerError:
            figures = None  # damaged: computed anew below, the damaged file left as it is
        if figures is not None:
            return figures
        splits = application_splits(info.dataset)
        fingerprint = weights_fingerprint(info.folder)
        figures = {**measure_model(model(info), splits, progress=progress), "weights": fingerprint}
        path = cached_figures_path(info.dataset, info.name, fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_figures(path, figures)
        _application_figures.clear()
        return figures


@st.cache_resource(show_spinner=False, max_entries=24)
def _browser_decoder(identity: tuple, _info: ModelInfo) -> tuple[bytes, dict]:
    from explorer.store.browser_decoder import shipped_or_exported

    return shipped_or_exported(_info.folder, _info.dataset, _info.name, _weights_fingerprint(identity, _info),
                               lambda: model(_info))


def browser_decoder(info: ModelInfo) -> tuple[bytes, dict]:
    """The model's decoder.onnx bytes and browser.json record, checked against the weights; where the
    checkpoint ships none, exported once into the server's cache (a few seconds, under a spinner).

    Raises explorer.store.browser_decoder.BrowserDecoderUnavailable (missing, damaged, stale, unexportable):
    not cached, so an export made while the server runs is picked up.
    """
    from explorer.store.browser_decoder import DECODER_FILE

    if (info.folder / DECODER_FILE).is_file():
        return _browser_decoder(info.identity, info)
    with st.spinner(t("browser.exporting")):  # the first time only: then from the server's cache
        return _browser_decoder(info.identity, info)


def warm_up(stop: threading.Event | None = None) -> None:
    """Load every available model of every open dataset and read (or compute) its test codes, so that a page's first
    visit finds them in memory; a model that cannot be loaded is left for its page to report. Ends early, between
    two models, once ``stop`` is set. The recommenders first: three models, a fraction of a second."""
    import explorer_app
    from explorer.data.datasets import all_datasets

    try:
        for info in [] if explorer_app.EMBEDDED else recommenders():  # explorer.show lists no Recommendation page
            if not info.available:
                continue
            movies()
            if stop is not None and stop.is_set():
                return
            model(info)
            recommendation_views(info)
    except ExplorerError:
        pass  # the Recommendation page says what is wrong
    for dataset in all_datasets():
        for info in available_models(dataset):
            if stop is not None and stop.is_set():
                return
            try:
                model(info)
                test_codes(info)
            except ExplorerError:
                continue


# The Recommendation page's: the shipped movies, the recommenders of MovieLens-100K and their stored views.

@st.cache_resource(show_spinner=False)
def _movies(stamp: int) -> dict:
    from explorer.store.recommendation import movies_path, read_movies

    doc = read_movies(movies_path())
    doc["likes"] = np.array([m["likes"] for m in doc["movies"]], dtype=np.float64)
    doc["labels"] = [f'{m["title"]} ({m["year"]})' if m["year"] else m["title"] for m in doc["movies"]]
    return doc


def movies() -> dict:
    """movies.json, read once per server (RecommendationUnavailable if it cannot be), with each movie's label."""
    from explorer.store.recommendation import movies_path

    try:
        stamp = movies_path().stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _movies(stamp)


def recommenders() -> list[ModelInfo]:
    """MovieLens-100K's recommenders, in the registry's order of kinds."""
    from explorer.data.movielens import NAME

    return sorted(models_of(NAME), key=lambda m: list(KINDS).index(m.kind))


@st.cache_resource(show_spinner=False, max_entries=12)
def _recommendation_views(identity: tuple, _info: ModelInfo) -> dict[str, np.ndarray]:
    from explorer.store.recommendation import read_page_views

    views = read_page_views(_info)
    for array in views.values():
        array.setflags(write=False)
    return views


def recommendation_views(info: ModelInfo) -> dict[str, np.ndarray]:
    """A recommender's recommendation.npz, read once per server; RecommendationUnavailable if it cannot be."""
    return _recommendation_views(info.identity, info)
