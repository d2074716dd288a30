"""What the codes are good for (the survey's section on applications), measured against baselines.

The command line is explorer/commands/applications.py (``python -m explorer.applications``): its docstring says how to use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from explorer.analysis.project import weights_fingerprint
from explorer.errors import ApplicationsUnavailable, DatasetUnavailable

if TYPE_CHECKING:
    from explorer.models.nets import AutoEncoder

LABELS_PER_CLASS = (1, 5, 10, 50, 100, 1000)
DRAWS = 5
PCA_MAX_DIM = 64
APPLICATIONS_FILE = "applications.json"  # beside a model's weights
BASELINES_FILE = "baselines.json"  # beside a dataset's models
FORMAT = 1
README_START, README_END = "<!-- applications-table:start -->", "<!-- applications-table:end -->"

Progress = Callable[[float, str], None]  # (fraction done, step: "encode", "classify", "cluster", "reconstruct")


def _quiet(fraction: float, message: str) -> None:
    pass


# --- classification with few labels ----------------------------------------------------


def labelled_draws(labels: np.ndarray, n_per_class: int, draws: int, seed: int = 0) -> list[np.ndarray]:
    """For each draw, the indices of ``n_per_class`` images of every class (seeded, without replacement).

    Draw k of a smaller n is the start of draw k of a larger one, so the curves over n are nested.
    """
    labels = np.asarray(labels)
    out = []
    for k in range(draws):
        rng = np.random.default_rng([seed, k])
        picked = [rng.permutation(np.flatnonzero(labels == c))[:n_per_class] for c in np.unique(labels)]
        out.append(np.sort(np.concatenate(picked)))
    return out


def largest_feasible(labels: np.ndarray, wanted=LABELS_PER_CLASS) -> list[int]:
    """The labelled-set sizes that every class has enough training images for."""
    fewest = int(np.bincount(np.asarray(labels)).min())
    return [n for n in wanted if n <= fewest]


def linear_probe_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> float:
    """Test accuracy of a logistic regression fitted to standardised features (the usual linear probe)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(train_x, train_y)
    return float((probe.predict(test_x) == test_y).mean())


def few_label_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                       ns=LABELS_PER_CLASS, draws: int = DRAWS, seed: int = 0,
                       progress: Progress = _quiet) -> dict:
    """Accuracy on the test set against the number of labelled images per class: ``accuracy[i][k]``
    for ``n[i]`` and draw ``k``. ``train_x`` holds the features of the labelled pool (the training split)."""
    ns = [n for n in ns if n in largest_feasible(train_y, ns)]
    accuracy = []
    for i, n in enumerate(ns):
        row = []
        for k, rows in enumerate(labelled_draws(train_y, n, draws, seed)):
            progress((i * draws + k) / (len(ns) * draws), "classify")
            row.append(linear_probe_accuracy(train_x[rows], train_y[rows], test_x, test_y))
        accuracy.append(row)
    return {"n": ns, "accuracy": accuracy}


# --- clustering ------------------------------------------------------------------------


@dataclass
class Clustering:
    nmi: float
    ari: float
    accuracy: float  # the share of images in a cluster matched to their class (Hungarian matching)
    contingency: np.ndarray  # clusters × classes, clusters ordered by the class each is matched to
    centres: np.ndarray  # the k-means centres, in the same order

    def as_json(self) -> dict:
        return {"nmi": self.nmi, "ari": self.ari, "accuracy": self.accuracy,
                "contingency": self.contingency.astype(int).tolist()}


def cluster(features: np.ndarray, labels: np.ndarray, n_clusters: int | None = None, seed: int = 0) -> Clustering:
    """k-means (k = number of classes unless given) on ``features``, scored against the true classes."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix

    labels = np.asarray(labels)
    k = n_clusters or len(np.unique(labels))
    kmeans = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(np.asarray(features, dtype=np.float64))
    assigned = kmeans.labels_
    table = contingency_matrix(assigned, labels)  # rows: clusters present; columns: classes present
    clusters, classes = linear_sum_assignment(-table)
    # Matched clusters first, in the order of their classes; unmatched ones (k > classes) after.
    order = list(clusters[np.argsort(classes)]) + [c for c in range(table.shape[0]) if c not in set(clusters)]
    return Clustering(
        nmi=float(normalized_mutual_info_score(labels, assigned)),
        ari=float(adjusted_rand_score(labels, assigned)),
        accuracy=float(table[clusters, classes].sum() / len(labels)),
        contingency=table[order],
        centres=kmeans.cluster_centers_[order],
    )


# --- dimensionality reduction ----------------------------------------------------------


def pca_reconstruction_curve(train: np.ndarray, test: np.ndarray, max_dim: int = PCA_MAX_DIM) -> np.ndarray:
    """Test MSE per pixel of PCA (fitted on ``train``) keeping 1, 2, …, ``max_dim`` components.

    The components are orthonormal, so the error at d is the centred image's energy less that of
    its first d coordinates: one projection gives the whole curve.
    """
    from sklearn.decomposition import PCA

    train = train.reshape(len(train), -1).astype(np.float64)
    test = test.reshape(len(test), -1).astype(np.float64)
    max_dim = min(max_dim, *train.shape)
    pca = PCA(n_components=max_dim, svd_solver="full" if max_dim >= min(train.shape) else "auto",
              random_state=0).fit(train)
    centred = test - pca.mean_
    energy = (centred**2).sum(axis=1)
    captured = np.cumsum(pca.transform(test) ** 2, axis=1)
    return np.maximum(energy[:, None] - captured, 0.0).mean(axis=0) / train.shape[1]


def linear_autoencoder_mse(train: np.ndarray, test: np.ndarray, dim: int, epochs: int = 40, lr: float = 2e-3,
                           batch_size: int = 256, seed: int = 0) -> float:
    """Test MSE per pixel of a linear autoencoder (one linear map each way, squared error) trained by Adam.

    Its optimum spans the subspace of PCA's first ``dim`` components (Baldi & Hornik 1989; the
    survey's opening point), so a trained one lands on PCA's curve: how close is what this measures.
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(train.reshape(len(train), -1), dtype=torch.float32)
    y = torch.as_tensor(test.reshape(len(test), -1), dtype=torch.float32)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], dim), torch.nn.Linear(dim, x.shape[1]))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        for rows in torch.randperm(len(x), generator=g).split(batch_size):
            loss = torch.nn.functional.mse_loss(model(x[rows]), x[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(y), y))


def pca_features(train: np.ndarray, test: np.ndarray, dim: int):
    """PCA codes of size ``dim`` (fitted on ``train``) for both sets, and the fitted PCA."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, random_state=0).fit(train.reshape(len(train), -1))
    return pca.transform(train.reshape(len(train), -1)), pca.transform(test.reshape(len(test), -1)), pca


# --- one model, and the baselines ------------------------------------------------------


@dataclass
class Splits:
    """The images the figures are measured on: uint8 N×28×28 with int labels."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    other_images: np.ndarray | None = None  # the other dataset's test images (the anomalies)


def load_splits(dataset: str, data_root: Path | None = None, download: bool = True) -> Splits:
    """The training split (the labelled pool) and the shipped test splits of ``dataset`` and the other one."""
    from explorer.data.datasets import DATASETS, load_shipped_arrays, load_split, other_dataset

    test_images, test_labels = load_shipped_arrays(dataset)
    if dataset in DATASETS:
        train_images, train_labels = (a.numpy() for a in load_split(dataset, "train", data_root, download=download))
    else:  # a dataset of your own: its training split, rebuilt from the images it was trained on
        from explorer.data.datasets import dataset_spec
        from explorer.data.userdata import training_split_of

        if not dataset_spec(dataset).class_names:
            raise DatasetUnavailable("its images have no labels, and classifying or clustering against classes "
                                     "needs them")
        train = training_split_of(dataset)
        train_images, train_labels = train.images, train.labels
    try:
        other_images = load_shipped_arrays(other_dataset(dataset))[0]
    except DatasetUnavailable:
        other_images = None
    if other_images is not None and other_images.shape[1:] != test_images.shape[1:]:
        other_images = None  # a dataset of another shape is no comparison
    return Splits(train_images, train_labels, np.asarray(test_images), np.asarray(test_labels), other_images)


def pack_images(images: np.ndarray) -> dict:
    """Images in [0, 1] (N×C×H×W, or N×P flat grey squares) as uint8 bytes in base64: a tenth of the
    JSON of nested lists."""
    import base64

    from explorer.data.images import to_uint8

    images = np.asarray(images)
    if images.ndim == 2:  # flat pixels (the pixel and PCA baselines): square grey images
        side = round(np.sqrt(images.shape[1]))
        images = images.reshape(-1, side, side)
    pixels = to_uint8(images)
    return {"shape": list(pixels.shape), "uint8_base64": base64.b64encode(pixels.tobytes()).decode("ascii")}


def unpack_images(packed: dict) -> np.ndarray:
    """The uint8 N×H×W (or N×H×W×3) images of :func:`pack_images`; ValueError if they do not fit their shape."""
    import base64

    shape = tuple(int(v) for v in packed["shape"])
    raw = base64.b64decode(packed["uint8_base64"], validate=True)
    square = len(shape) in (3, 4) and shape[1] == shape[2] and (len(shape) == 3 or shape[3] == 3)
    if not square or len(raw) != int(np.prod(shape)):
        raise ValueError("images do not match their shape")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape)


def measure_model(model: AutoEncoder, splits: Splits, draws: int = DRAWS, seed: int = 0,
                  progress: Progress = _quiet) -> dict:
    """Every application figure of one model (JSON-ready)."""
    import torch

    from explorer.analysis.denoise import reconstruction_errors
    from explorer.analysis.latent import decode, encode
    from explorer.metrics.measure import roc

    progress(0.0, "encode")
    pool = np.unique(np.concatenate([rows for n in largest_feasible(splits.train_labels)[-1:]
                                     for rows in labelled_draws(splits.train_labels, n, draws, seed)]))
    train_codes = np.zeros((len(splits.train_images), model.config.latent_dim), dtype=np.float32)
    train_codes[pool] = encode(model, torch.from_numpy(splits.train_images[pool])).numpy()
    test = torch.from_numpy(splits.test_images)
    test_codes = encode(model, test).numpy()
    few = few_label_accuracy(train_codes, splits.train_labels, test_codes, splits.test_labels, draws=draws, seed=seed,
                             progress=lambda f, m: progress(0.1 + 0.6 * f, m))
    progress(0.7, "cluster")
    clustering = cluster(test_codes, splits.test_labels, seed=seed)
    centres = decode(model, torch.from_numpy(clustering.centres.astype(np.float32))).numpy()
    progress(0.85, "reconstruct")
    errors = reconstruction_errors(model, test)
    auc = None
    if splits.other_images is not None:
        auc = roc(errors, reconstruction_errors(model, torch.from_numpy(splits.other_images)))[2]
    return {
        "format": FORMAT, "kind": model.kind, "latent_dim": model.config.latent_dim,
        "protocol": protocol(splits, draws, seed),
        "few_labels": few,
        "clustering": {**clustering.as_json(), "centres": pack_images(centres)},
        "reconstruction_mse": float(errors.mean()),
        "anomaly_auc": auc,
    }


def measure_baselines(splits: Splits, sizes: list[int], draws: int = DRAWS, seed: int = 0,
                      progress: Progress = _quiet) -> dict:
    """The same figures on raw pixels and on PCA codes of each size in ``sizes``, and PCA's MSE curve."""
    train = splits.train_images.reshape(len(splits.train_images), -1).astype(np.float32) / 255
    test = splits.test_images.reshape(len(splits.test_images), -1).astype(np.float32) / 255
    progress(0.0, "encode")
    features = {"pixels": (train, test, None)}
    for d in sizes:
        train_d, test_d, pca = pca_features(train, test, d)
        features[f"pca-{d}"] = (train_d, test_d, pca)
    out = {"format": FORMAT, "protocol": protocol(splits, draws, seed), "features": {}}
    for i, (name, (train_x, test_x, pca)) in enumerate(features.items()):
        step = lambda f, m, i=i: progress(0.1 + 0.85 * (i + f) / len(features), m)
        few = few_label_accuracy(train_x, splits.train_labels, test_x, splits.test_labels, draws=draws, seed=seed,
                                 progress=step)
        step(1.0, "cluster")
        clustering = cluster(test_x, splits.test_labels, seed=seed)
        centres = clustering.centres if pca is None else pca.inverse_transform(clustering.centres)
        mse = None if pca is None else float(((pca.inverse_transform(test_x) - test) ** 2).mean())
        out["features"][name] = {"latent_dim": None if pca is None else pca.n_components_, "few_labels": few,
                                 "clustering": {**clustering.as_json(), "centres": pack_images(centres)},
                                 "reconstruction_mse": mse}
    curve = pca_reconstruction_curve(train, test)
    out["pca_curve"] = {"dim": list(range(1, len(curve) + 1)), "mse": curve.tolist()}
    progress(0.95, "encode")
    out["linear_ae"] = {"dim": sizes, "mse": [linear_autoencoder_mse(train, test, d, seed=seed) for d in sizes]}
    return out


def protocol(splits: Splits, draws: int, seed: int) -> dict:
    return {"n_train_pool": len(splits.train_labels), "n_test": len(splits.test_labels), "draws": draws, "seed": seed,
            "classifier": "standardised features, scikit-learn LogisticRegression(max_iter=2000)",
            "clustering": "scikit-learn KMeans(k = classes, n_init=10) on the test codes"}


# --- storing and reading ---------------------------------------------------------------


def write_figures(path: Path, figures: dict) -> None:
    from explorer.store.checkpoint import write_metrics_file

    write_metrics_file(path, figures)


def read_figures(path: Path, fingerprint: str | None = None) -> dict | None:
    """Stored figures, or None if there are none (or they are of other weights than ``fingerprint``).

    A file that is there but cannot be read raises ApplicationsUnavailable: the page says so.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(figures, dict) or figures.get("format") != FORMAT:
            raise ValueError("not this format")
        if fingerprint is not None and figures.get("weights") != fingerprint:
            return None
        _check_shape(figures)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        raise ApplicationsUnavailable(f"it is damaged or not this version's figures ({type(err).__name__}); run python -m explorer.applications again", path) from None
    return figures


def _check_shape(figures: dict) -> None:
    """Raise if the parts the page draws are missing or malformed (a hand-edited or truncated file)."""
    parts = [figures] if "few_labels" in figures else list(figures["features"].values())
    for part in parts:
        few = part["few_labels"]
        if len(few["n"]) != len(few["accuracy"]) or not all(isinstance(v, (int, float)) for r in few["accuracy"] for v in r):
            raise ValueError("few_labels")
        c = part["clustering"]
        float(c["nmi"]), float(c["ari"]), float(c["accuracy"])
        if np.asarray(c["contingency"]).ndim != 2 or len(unpack_images(c["centres"])) != len(c["contingency"]):
            raise ValueError("clustering")
    for curve in ("pca_curve", "linear_ae"):
        if curve in figures and len(figures[curve]["dim"]) != len(figures[curve]["mse"]):
            raise ValueError(curve)


def model_figures_path(folder: Path) -> Path:
    return Path(folder) / APPLICATIONS_FILE


def cached_figures_path(dataset: str, name: str, fingerprint: str) -> Path:
    """Where the app keeps figures it computed on demand (never inside a model's folder)."""
    from explorer.analysis.project import cache_dir

    return cache_dir(dataset) / "applications" / dataset / f"{name}-{fingerprint}.json"


def stored_model_figures(dataset: str, name: str, folder: Path) -> dict | None:
    """A model's figures: those shipped beside it, else those computed on demand earlier; None if neither.

    A damaged shipped file gives way to figures computed here since; with none, its error is raised.
    """
    fingerprint = weights_fingerprint(folder)
    problem = None
    for path in (model_figures_path(folder), cached_figures_path(dataset, name, fingerprint)):
        try:
            figures = read_figures(path, fingerprint)
        except ApplicationsUnavailable as err:
            problem = problem or err
            continue
        if figures is not None:
            return figures
    if problem is not None:
        raise problem
    return None


def baselines_path(dataset: str) -> Path:
    from explorer.data.datasets import pretrained_dir

    return pretrained_dir() / dataset / BASELINES_FILE


# --- the docs' table -------------------------------------------------------------------


def accuracy_at(figures: dict, n: int) -> tuple[float, float] | None:
    """Mean and standard deviation over draws of the accuracy with ``n`` labelled images per class."""
    few = figures["few_labels"]
    if n not in few["n"]:
        return None
    row = np.asarray(few["accuracy"][few["n"].index(n)], dtype=float)
    return float(row.mean()), float(row.std())


def applications_table() -> str:
    """The markdown table of every dataset's stored application figures (docs/zoo.md's)."""
    from explorer.data.datasets import DATASETS
    from explorer.store.catalog import list_models

    def cells(figures: dict) -> str:
        acc = [accuracy_at(figures, n) for n in (1, 10)]
        acc_text = [f"{100 * a[0]:.1f} ± {100 * a[1]:.1f}" if a else "–" for a in acc]
        c = figures["clustering"]
        mse = figures.get("reconstruction_mse")
        return (f"{acc_text[0]} | {acc_text[1]} | {c['nmi']:.3f} | {c['ari']:.3f} | {100 * c['accuracy']:.1f} | "
                + (f"{mse:.4f}" if mse is not None else "–"))

    lines = []
    for dataset, spec in DATASETS.items():
        rows = []
        for info in (m for m in list_models(dataset) if m.available):
            try:
                figures = read_figures(model_figures_path(info.folder), weights_fingerprint(info.folder))
            except ApplicationsUnavailable:
                figures = None
            if figures:
                rows.append(f"| {info.name} | {cells(figures)} |")
        try:
            baselines = read_figures(baselines_path(dataset))
        except ApplicationsUnavailable:
            baselines = None
        for name, figures in (baselines or {}).get("features", {}).items():
            rows.append(f"| *{name}* | {cells(figures)} |")
        if not rows:
            continue
        lines += [f"**{spec.title}**", "",
                  "| features | accuracy, 10 labels (%) | accuracy, 100 labels (%) | NMI | ARI | cluster acc. (%) | test MSE |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |", *rows, ""]
    return "\n".join(lines).rstrip() + "\n"
