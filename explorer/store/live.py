"""Checkpoints whose model is an object of this Python process: what ``explorer.show`` opens.

The model crosses into the app by reference, never serialised: :func:`hold` keeps it under a random key, and
the checkpoint folder's ``config.json`` names that key in its ``"live"`` section instead of holding weights::

    {"format": 1, "model": {"kind": "ae", "dataset": "shown-1", "latent_dim": 8, ...},
     "title": "MyAutoEncoder", "live": {"key": "3f9c0a…"}}

Beside it lie what the pages read from any checkpoint (``map.npz``), and one folder up the dataset's
``test.npz``: all in a temporary folder that the one who showed it removes (explorer_app.show). A folder
whose key this process does not hold (another process's, or one closed) is listed as unavailable.
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

import numpy as np

from explorer.errors import CheckpointError

LIVE_KEY = "live"
_held: dict[str, object] = {}
_lock = threading.Lock()


def hold(model) -> str:
    """Keep ``model`` for the app under a new key, until :func:`release`."""
    key = secrets.token_hex(16)
    with _lock:
        _held[key] = model
    return key


def release(key: str) -> None:
    with _lock:
        _held.pop(key, None)


def is_held(key) -> bool:
    return isinstance(key, str) and key in _held


def live_key(data: dict) -> str | None:
    """The key a config.json's ``"live"`` section names; None for a checkpoint with weights."""
    section = data.get(LIVE_KEY)
    return str(section.get("key", "")) if isinstance(section, dict) else (None if section is None else "")


def held_model(data: dict, path: Path):
    """The model a ``"live"`` checkpoint names, or CheckpointError when this process holds none by its key."""
    key = live_key(data)
    with _lock:
        model = _held.get(key)
    if model is None:
        raise CheckpointError("it was shown from a Python session that has closed it, or from another process",
                              path, key="unavailable.live_gone")
    return model


def write_shown(folder: Path, image_set, title: str, models: list[tuple[object, str, np.ndarray]],
                map_method: str = "umap", seed: int = 0) -> dict[str, str]:
    """Write a shown dataset into ``folder`` (``<zoo>/<dataset>``): its images (an ImageSet) as the test split, and
    each model (an adapter of explorer.models.custom, its title, its codes of the images) as a ``"live"`` checkpoint
    with its 2-D map; returns each checkpoint's folder name → its key, held (:func:`hold`) until released."""
    from explorer.analysis.project import MAP_FILE, latent_plane_map, project, save_map
    from explorer.data.userdata import export_test_split
    from explorer.store.checkpoint import FORMAT_VERSION, library_versions

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
            save_map(target / MAP_FILE, latent_plane_map(codes) if codes.shape[1] == 2 else
                     project(codes, map_method, seed=seed))
    except BaseException:
        for key in names.values():
            release(key)
        raise
    return names
