"""Maps of the latent codes: the shipped precomputed map, or one computed on demand (UMAP, PCA,
t-SNE; 2-D or 3-D), each with how faithful it is to the codes.

``umap`` is imported only inside :func:`umap_project` (its import alone compiles numba
code for about 15 s): nothing on the path to the first page touches it.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.errors import MapUnavailable
from explorer.store.npz import read_npz

MAP_FILE = "map.npz"
DEFAULT_UMAP = {"n_neighbors": 15, "min_dist": 0.1, "seed": 0}
# What can be computed on demand, and each method's own parameters with their defaults.
PROJECTIONS = {"umap": {"n_neighbors": 15, "min_dist": 0.1}, "pca": {}, "tsne": {"perplexity": 30.0}}
METHODS = ("latent", *PROJECTIONS)  # "latent": a 2-D latent space's codes themselves
# A browser draws this many points as fast as it draws 10,000 at most twice over (bench/many_points.py);
# a larger map (a dataset of your own holds up to 1,000,000 images) is drawn as a uniform sample of it.
MAX_DRAWN_POINTS = 100_000
FAITHFULNESS_K, FAITHFULNESS_POINTS = 10, 2000
# umap-learn finds the neighbours of 4,096 points or more with pynndescent, whose numba code compiles for
# 30-40 s in each new process; up to this many, exact neighbours (scikit-learn, under a second for 10,000
# codes) are handed to it instead (bench/umap_speed.py: the first fit 13 s instead of 50 s).
EXACT_NEIGHBOURS_UP_TO = 50_000
# A larger set of codes is mapped in time linear in its size: UMAP is fitted on a seeded sample of this many, and
# every other code placed among its PLACE_K nearest sampled codes (:func:`umap_fit_then_place`).
UMAP_FIT_AT_MOST = EXACT_NEIGHBOURS_UP_TO
PLACE_K, PLACE_BATCH = 5, 20_000


@dataclass
class LatentMap:
    xy: np.ndarray  # N×2 (or N×3, a 3-D map) float32
    indices: np.ndarray  # N int64: which test images the points are
    method: str  # one of METHODS
    params: dict = field(default_factory=dict)  # the method's parameters and seed; "faithfulness" once measured

    def __post_init__(self):
        self.xy = np.asarray(self.xy, dtype=np.float32)
        self.indices = np.asarray(self.indices, dtype=np.int64)
        if self.xy.ndim != 2 or self.xy.shape[1] not in (2, 3) or len(self.xy) != len(self.indices):
            raise ValueError(f"a map needs N×2 or N×3 points and N indices, got {self.xy.shape} and "
                             f"{self.indices.shape}")

    @property
    def dims(self) -> int:
        return int(self.xy.shape[1])

    def drawn(self, limit: int | None = None, seed: int = 0) -> LatentMap:
        """The map as a browser draws it: itself up to ``limit`` points (MAX_DRAWN_POINTS), else a seeded
        uniform sample of ``limit`` of them in their order, with ``params["drawn_of"]`` the whole map's size."""
        limit = MAX_DRAWN_POINTS if limit is None else limit
        if len(self.xy) <= limit:
            return self
        kept = np.sort(np.random.default_rng(seed).choice(len(self.xy), limit, replace=False))
        return LatentMap(self.xy[kept], self.indices[kept], self.method, {**self.params, "drawn_of": len(self.xy)})


def save_map(path: Path, latent_map: LatentMap) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.npz")
    np.savez_compressed(
        tmp,
        xy=latent_map.xy,
        indices=latent_map.indices,
        method=np.array(latent_map.method),
        params=np.array(json.dumps(latent_map.params, sort_keys=True)),
    )
    tmp.replace(path)
    return path


def load_map(path: Path, n_images: int | None = None) -> LatentMap:
    """The map saved at ``path``, checked: N×2 finite points, N distinct indices of test images.

    ``n_images`` is the size of the test split the indices point into; every fault is a
    MapUnavailable naming the file and what is wrong.
    """
    path = Path(path)
    arrays = read_npz(path, ("xy", "indices", "method", "params"), MapUnavailable)
    xy, indices = arrays["xy"], arrays["indices"]
    if xy.ndim != 2 or xy.shape[1] not in (2, 3) or len(xy) == 0 or indices.shape != (len(xy),):
        raise MapUnavailable(f"holds {xy.shape} points and {indices.shape} indices, not N×2 and N", path,
                             key="reason.shape")
    if not np.issubdtype(xy.dtype, np.floating) or not np.isfinite(xy).all():
        raise MapUnavailable("holds points that are not finite numbers", path, key="reason.points_not_finite")
    if not np.issubdtype(indices.dtype, np.integer):
        raise MapUnavailable(f"holds {indices.dtype} indices, not integers", path, key="reason.not_numbers")
    if indices.min() < 0 or (n_images is not None and indices.max() >= n_images):
        raise MapUnavailable(f"points at images outside the test split (0–{(n_images or 1) - 1})", path,
                             key="reason.map_outside", last=(n_images or 1) - 1)
    ordered = np.sort(indices)  # not np.unique: it imports numpy.ma, which nothing before the first map needs
    if (ordered[1:] == ordered[:-1]).any():
        raise MapUnavailable("lists an image more than once", path, key="reason.map_twice")
    try:
        method, params = str(arrays["method"]), json.loads(str(arrays["params"]))
    except ValueError:
        raise MapUnavailable("has unreadable parameters", path, key="reason.map_parameters") from None
    if method not in METHODS or not isinstance(params, dict):
        raise MapUnavailable(f"has an unknown method {method[:20]!r}", path, key="reason.map_method")
    return LatentMap(xy=xy, indices=indices, method=method, params=params)


def subsample(n_total: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` sorted indices out of ``n_total``, the same for the same seed."""
    if n >= n_total:
        return np.arange(n_total, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=n, replace=False)).astype(np.int64)


def latent_plane_map(z: np.ndarray, indices: np.ndarray | None = None) -> LatentMap:
    """The map of a 2-D latent space: the codes themselves."""
    if z.shape[1] != 2:
        raise ValueError(f"the codes are {z.shape[1]}-D; only 2-D codes are their own map")
    indices = np.arange(len(z)) if indices is None else indices
    return LatentMap(xy=z, indices=indices, method="latent", params={})


def umap_project(
    z: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0, indices: np.ndarray | None = None,
    dims: int = 2, fit_at_most: int = UMAP_FIT_AT_MOST, progress=None,
) -> LatentMap:
    """UMAP of the codes ``z`` (N×d) to 2-D (or 3-D) with a fixed seed: on a GPU with RAPIDS cuML where
    both are there (the same algorithm and parameters, minutes faster for a large map), else umap-learn —
    for more than ``fit_at_most`` codes, fitted on a sample and the rest placed (:func:`umap_fit_then_place`)."""
    n_neighbors = int(min(max(2, n_neighbors), len(z) - 1))
    umap_class, backend, options = umap_backend()
    z = np.asarray(z, dtype=np.float32)
    if backend == "umap-learn" and len(z) > fit_at_most:
        return umap_fit_then_place(z, n_neighbors, min_dist, seed, indices, dims, fit_at_most, progress)
    if backend == "umap-learn" and len(z) <= EXACT_NEIGHBOURS_UP_TO:
        options = {**options, "precomputed_knn": exact_neighbours(z, n_neighbors)}
    reducer = umap_class(n_components=dims, n_neighbors=n_neighbors, min_dist=float(min_dist), random_state=int(seed),
                         **options)
    with warnings.catch_warnings():  # that a map so fitted cannot place new points: none are placed with it
        warnings.filterwarnings("ignore", message=".*precomputed_knn.*", category=UserWarning)
        xy = np.asarray(reducer.fit_transform(z))
    indices = np.arange(len(z)) if indices is None else indices
    return LatentMap(xy=xy, indices=indices, method="umap",
                     params={"n_neighbors": n_neighbors, "min_dist": float(min_dist), "seed": int(seed),
                             "backend": backend})


def umap_fit_then_place(z: np.ndarray, n_neighbors: int, min_dist: float, seed: int, indices: np.ndarray | None,
                        dims: int, fit_points: int, progress=None) -> LatentMap:
    """UMAP of many codes in time linear in their number: fitted on a seeded sample of ``fit_points`` codes, then
    each other code placed at the inverse-distance blend of the map positions of its PLACE_K nearest sampled codes
    — how umap-learn's own ``transform`` starts a new point before refining it (McInnes et al. 2018, §4.1; the
    refinement needs the fitted model's graph, which the exact-neighbour fit does not keep). The sample's
    points are where the fit put them; ``progress(done, total)`` after each batch placed."""
    from sklearn.neighbors import NearestNeighbors

    from explorer.analysis.inverse import blend

    fitted_rows = subsample(len(z), fit_points, seed)
    fitted = umap_project(z[fitted_rows], n_neighbors, min_dist, seed, dims=dims, fit_at_most=fit_points)
    rest = np.setdiff1d(np.arange(len(z)), fitted_rows, assume_unique=True)
    xy = np.empty((len(z), fitted.xy.shape[1]), dtype=np.float32)
    xy[fitted_rows] = fitted.xy
    search = NearestNeighbors(n_neighbors=PLACE_K).fit(z[fitted_rows])
    eps = 1e-12
    batches = range(0, len(rest), PLACE_BATCH)
    for b, start in enumerate(batches):
        rows = rest[start : start + PLACE_BATCH]
        distances, near = search.kneighbors(z[rows])
        weights = 1.0 / (distances.astype(np.float64) ** 2 + eps)
        xy[rows] = blend(fitted.xy, near, weights / weights.sum(axis=1, keepdims=True))
        if progress is not None:
            progress(b + 1, len(batches))
    indices = np.arange(len(z)) if indices is None else indices
    return LatentMap(xy=xy, indices=indices, method="umap",
                     params={**fitted.params, "fitted_on": len(fitted_rows), "placed": len(rest)})


def exact_neighbours(z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, None]:
    """Each code's k nearest codes (itself first) and their distances, as umap-learn's ``precomputed_knn``."""
    from sklearn.neighbors import NearestNeighbors

    distances, neighbours = NearestNeighbors(n_neighbors=k).fit(z).kneighbors(z)
    return neighbours, distances.astype(np.float32), None


def umap_backend() -> tuple[type, str, dict]:
    """(the UMAP class, its name, its extra options): cuML's where a CUDA device and cuML are both present."""
    import torch

    if torch.cuda.is_available():
        try:
            from cuml.manifold import UMAP
        except ImportError:  # RAPIDS is not installed: the CPU's UMAP
            pass
        else:
            return UMAP, "cuml", {}
    import umap  # deliberately late: see the module docstring

    return umap.UMAP, "umap-learn", {"n_jobs": 1}


def pca_project(z: np.ndarray, dims: int = 2, indices: np.ndarray | None = None) -> LatentMap:
    """The codes on their first principal components (scikit-learn), with each one's explained variance."""
    from sklearn.decomposition import PCA

    dims = min(dims, z.shape[1])
    pca = PCA(n_components=dims).fit(np.asarray(z, dtype=np.float64))
    xy = pca.transform(np.asarray(z, dtype=np.float64))
    if xy.shape[1] < 2:  # a 1-D code: its one component against zero
        xy = np.concatenate([xy, np.zeros((len(xy), 2 - xy.shape[1]))], axis=1)
    indices = np.arange(len(z)) if indices is None else indices
    return LatentMap(xy=xy, indices=indices, method="pca",
                     params={"explained_variance": [round(float(v), 6) for v in pca.explained_variance_ratio_]})


def tsne_project(z: np.ndarray, perplexity: float = 30.0, seed: int = 0, indices: np.ndarray | None = None,
                 dims: int = 2) -> LatentMap:
    """t-SNE of the codes (scikit-learn, Barnes-Hut, PCA initialisation) with a fixed seed."""
    from sklearn.manifold import TSNE

    perplexity = float(min(max(2.0, perplexity), (len(z) - 1) / 3))
    xy = TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=int(seed),
              n_jobs=1).fit_transform(np.asarray(z, dtype=np.float32))
    indices = np.arange(len(z)) if indices is None else indices
    return LatentMap(xy=xy, indices=indices, method="tsne", params={"perplexity": perplexity, "seed": int(seed)})


def project(z: np.ndarray, method: str, dims: int = 2, seed: int = 0, indices: np.ndarray | None = None,
            progress=None, **params) -> LatentMap:
    """A map of the codes by ``method`` (one of PROJECTIONS), its faithfulness measured and kept in its params;
    ``progress(done, total)`` as a large UMAP places its codes."""
    if method == "umap":
        latent_map = umap_project(z, seed=seed, indices=indices, dims=dims, progress=progress, **params)
    elif method == "pca":
        latent_map = pca_project(z, dims=dims, indices=indices)
    elif method == "tsne":
        latent_map = tsne_project(z, seed=seed, indices=indices, dims=dims, **params)
    else:
        raise ValueError(f"unknown projection {method!r}; one of {sorted(PROJECTIONS)}")
    latent_map.params["faithfulness"] = faithfulness(z, latent_map.xy, seed=seed)
    return latent_map


def faithfulness(z: np.ndarray, xy: np.ndarray, k: int = FAITHFULNESS_K, n_points: int = FAITHFULNESS_POINTS,
                 seed: int = 0) -> dict:
    """How far to trust a map's neighbourhoods, over ``n_points`` of its points (seeded).

    - trustworthiness (Venna & Kaski 2001; scikit-learn): 1 when no point's k map neighbours
      include points that are far in code space;
    - k-NN kept: the mean share of each point's k nearest codes that are among its k nearest
      map points (1 for a map that keeps every neighbourhood).
    """
    from sklearn.manifold import trustworthiness
    from sklearn.neighbors import NearestNeighbors

    rows = subsample(len(z), n_points, seed)
    codes, points = np.asarray(z, dtype=np.float64)[rows], np.asarray(xy, dtype=np.float64)[rows]
    k = int(min(k, len(rows) // 2 - 1)) if len(rows) > 3 else 1
    trust = trustworthiness(codes, points, n_neighbors=k)
    near_codes = NearestNeighbors(n_neighbors=k + 1).fit(codes).kneighbors(codes, return_distance=False)[:, 1:]
    near_map = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points, return_distance=False)[:, 1:]
    kept = np.mean([len(set(a) & set(b)) / k for a, b in zip(near_codes, near_map)])
    return {"trustworthiness": round(float(trust), 4), "knn_kept": round(float(kept), 4), "k": k,
            "points": len(rows)}


def file_fingerprint(path: Path) -> str:
    """A short hash of a file's bytes: a map computed for other weights is never reused."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def weights_fingerprint(folder: Path) -> str:
    """The fingerprint of the weights a checkpoint folder holds: what figures and exports are stamped with."""
    from explorer.store.folders import weights_file

    return file_fingerprint(weights_file(folder))


def cache_dir(dataset: str | None = None) -> Path:
    """Where maps, browser decoders and application figures computed on demand are kept: ``$EXPLORER_CACHE``, else
    ~/.cache/autoencoder-explorer; for a dataset explorer.show opened, its own temporary zoo (removed with it)."""
    from explorer.data.datasets import shown_zoo_of

    shown = shown_zoo_of(dataset) if dataset is not None else None
    if shown is not None:
        return shown / ".cache"
    if os.environ.get("EXPLORER_CACHE"):
        return Path(os.environ["EXPLORER_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "autoencoder-explorer"


def map_cache_key(weights_fingerprint: str, method: str, dims: int, n_points: int, seed: int, params: dict) -> str:
    """One key per (model weights, projection, its parameters, points, seed)."""
    text = json.dumps(
        {"weights": weights_fingerprint, "method": method, "dims": int(dims), "n": int(n_points), "seed": int(seed),
         "params": {k: round(float(v), 4) for k, v in sorted(params.items())}},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def map_cache_path(dataset: str, model_name: str, key: str, base: Path | None = None) -> Path:
    return (base or cache_dir(dataset)) / "maps" / dataset / model_name / f"{key}.npz"


def nearest_points(xy: np.ndarray, point: np.ndarray, k: int = 1) -> np.ndarray:
    """Indices of the ``k`` rows of ``xy`` closest to ``point``."""
    d = np.square(xy - np.asarray(point)[None, :]).sum(axis=1)
    return np.argsort(d)[:k]


def place_codes(latent_map: LatentMap, codes: np.ndarray | None, z_new: np.ndarray,
                k: int = 5) -> tuple[np.ndarray, bool]:
    """Where new codes land on a map of test codes (``codes``: the map points' codes; not needed for a
    latent-2 map), and whether exactly.

    A latent-2 model's map is its code space, and a PCA map a linear one (refitted on the same
    codes, the same components): both exact. UMAP and t-SNE keep no transform here: each new code
    goes among its ``k`` nearest test codes (:func:`place_on_map`).
    """
    z_new = np.asarray(z_new, dtype=np.float64)
    if latent_map.method == "latent":
        return z_new[:, :2].astype(np.float32), True
    if latent_map.method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=min(latent_map.dims, codes.shape[1])).fit(np.asarray(codes, dtype=np.float64))
        placed = pca.transform(z_new)
        # the same sign per component as the stored map (an SVD's signs are arbitrary between fits)
        signs = np.sign((pca.transform(np.asarray(codes, dtype=np.float64)) * latent_map.xy[:, :placed.shape[1]])
                        .sum(axis=0))
        return (placed * np.where(signs == 0, 1, signs)).astype(np.float32), True
    return place_on_map(z_new, codes, latent_map.xy, k=k), False


def place_on_map(z_new: np.ndarray, z_ref: np.ndarray, xy_ref: np.ndarray, k: int = 5) -> np.ndarray:
    """2-D positions for new codes on a map of reference codes: the inverse-distance blend
    (explorer.analysis.inverse) of the map positions of their ``k`` nearest reference codes (in latent space).

    An approximation of UMAP's own ``transform``, which needs the fitted model; the
    shipped map keeps only its points. Exact for a code equal to a reference code.
    """
    from explorer.analysis.inverse import blend, knn_weights

    idx, weights = knn_weights(z_ref, z_new, k=k, eps=1e-12)
    return blend(xy_ref, idx, weights)
