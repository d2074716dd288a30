"""Checkpoints whose model is an object of this Python process: what ``explorer.show`` opens.

The model crosses into the app by reference, never serialised: :func:`hold` keeps it under a random key, and
the checkpoint folder's ``config.json`` names that key in its ``"live"`` section instead of holding weights::

    {"format": 1, "model": {"kind": "ae", "dataset": "shown-1", "latent_dim": 8, ...},
     "title": "MyAutoEncoder", "live": {"key": "3f9c0a…"}}

Beside it lie what the pages read from any checkpoint (``metrics.json``: the test figures on the shown
images; ``map.npz``), and one folder up the dataset's
``test.npz`` (explorer.store.shown writes them): all in a temporary folder that the one who showed it removes
(explorer_app.show). A folder
whose key this process does not hold (another process's, or one closed) is listed as unavailable.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

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
