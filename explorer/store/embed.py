"""Precompute what the app shows instantly, shipped beside each checkpoint's weights.

The command line is explorer/commands/embed.py (``python -m explorer.embed``): its docstring says how to use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.project import (
    MAP_FILE,
    LatentMap,
    faithfulness,
    latent_plane_map,
    load_map,
    project,
    save_map,
)
from explorer.data.datasets import DatasetUnavailable


def shipped_codes(folder: Path) -> np.ndarray:
    """The checkpoint's codes of its dataset's whole shipped test split."""
    from explorer.analysis.latent import encode
    from explorer.data.datasets import load_shipped_test
    from explorer.store.checkpoint import load_pretrained

    model = load_pretrained(folder)
    images, _ = load_shipped_test(model.config.dataset)
    return encode(model, images).numpy()


def compute_shipped_map(folder: Path, n_neighbors: int, min_dist: float, seed: int, progress=None) -> LatentMap:
    """The map shipped beside a checkpoint: a latent-2 model's codes, else UMAP (``progress(done, total)`` as a
    large one places its codes, explorer.analysis.project.umap_fit_then_place)."""
    z = shipped_codes(folder)
    if z.shape[1] == 2:
        return latent_plane_map(z)
    return project(z, "umap", seed=seed, n_neighbors=n_neighbors, min_dist=min_dist, progress=progress)


def add_faithfulness(folder: Path) -> LatentMap | None:
    """Measure the faithfulness of a shipped map that has none (a latent-2 model's map is its codes: exact)."""
    latent_map = load_map(folder / MAP_FILE)
    if latent_map.method == "latent" or "faithfulness" in latent_map.params:
        return None
    z = shipped_codes(folder)[latent_map.indices]
    latent_map.params["faithfulness"] = faithfulness(z, latent_map.xy, seed=latent_map.params.get("seed", 0))
    save_map(folder / MAP_FILE, latent_map)
    return latent_map


def fit_gmm(folder: Path, data_root: Path | None, seed: int):
    from explorer.analysis.latent import encode
    from explorer.data.datasets import DATASETS, load_split
    from explorer.samplers import GaussianMixtureSampler
    from explorer.store.checkpoint import load_pretrained

    model = load_pretrained(folder)
    if model.config.dataset not in DATASETS:  # a zoo of your own ships its test split only
        raise DatasetUnavailable("the training images of a dataset of your own are not in its zoo; the app fits "
                                 "the mixture to the test codes instead", folder)
    images, _ = load_split(model.config.dataset, "train", data_root)
    return GaussianMixtureSampler.fit(encode(model, images).numpy(), n_components=10, seed=seed)
