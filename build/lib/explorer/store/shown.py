"""A shown dataset written as the app reads any zoo's (explorer.show): the images as its test split, and each
model a ``"live"`` checkpoint (explorer.store.live: held by this process, no weights) with its test figures and
its 2-D map."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from explorer.store.live import LIVE_KEY, hold, release


def write_shown(folder: Path, image_set, title: str, models: list[tuple[object, str, np.ndarray]],
                map_method: str = "umap", seed: int = 0) -> dict[str, str]:
    """Write a shown dataset into ``folder`` (``<zoo>/<dataset>``): its images (an ImageSet) as the test split, and
    each model (an adapter of explorer.models.custom, its title, its codes of the images) as a ``"live"`` checkpoint
    with its 2-D map; returns each checkpoint's folder name → its key, held (:func:`hold`) until released."""
    import torch

    from explorer.analysis.project import MAP_FILE, latent_plane_map, project, save_map
    from explorer.data.userdata import export_test_split
    from explorer.metrics.evaluate import evaluate_model
    from explorer.store.checkpoint import finite_json, library_versions
    from explorer.store.folders import FORMAT_VERSION

    folder = Path(folder)
    export_test_split(image_set, folder, title, source="explorer.show")
    names: dict[str, str] = {}
    try:
        for number, (model, model_title, codes) in enumerate(models, start=1):
            name = model.config.name if len(models) == 1 else f"{model.config.name}-{number}"
            target = folder / name
            target.mkdir(parents=True)
            names[name] = key = hold(model)
            config = {"format": FORMAT_VERSION, "model": model.config.to_dict(), "title": model_title,
                      LIVE_KEY: {"key": key}, "training": {}, "versions": library_versions()}
            (target / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
            metrics = {"test": evaluate_model(model, torch.from_numpy(image_set.images), seed=seed),
                       "train": {"parameters": sum(p.numel() for p in model.parameters())}}
            (target / "metrics.json").write_text(json.dumps(finite_json(metrics), indent=2), encoding="utf-8")
            save_map(target / MAP_FILE, latent_plane_map(codes) if codes.shape[1] == 2 else
                     project(codes, map_method, seed=seed))
    except BaseException:
        for key in names.values():
            release(key)
        raise
    return names
