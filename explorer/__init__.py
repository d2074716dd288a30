"""Autoencoder Explorer: see what autoencoders learn (after Bank, Koenigstein & Giryes 2020).

The public API, importable from ``explorer`` itself::

    import explorer

    model = explorer.load_pretrained("pretrained/mnist/vae-z16")   # a checkpoint folder rebuilds its model
    codes = explorer.encode(model, images)                          # uint8 or [0, 1] images → N×d codes
    images = explorer.decode(model, explorer.NormalSampler(16).sample(64, seed=0))
    again = explorer.reconstruct(model, images)
    shown = explorer.show(my_model, my_images, my_labels)          # the app on your own objects (docs/show.md)

The package is grouped by concern: ``models`` (what each kind is, the networks, their losses),
``data``, ``training``, ``analysis`` (what the pages compute from codes), ``metrics``, ``store``
(what lies on disk), ``present`` (strings, figures, exports) and ``commands`` (the command-line
tools, each run as ``python -m explorer.<name>``). The names below load their modules when first
used: ``import explorer`` imports no torch.
"""

from __future__ import annotations

import importlib

__version__ = "0.3.0"

# name → the module that defines it
_PUBLIC = {
    "load_pretrained": "explorer.store.checkpoint",
    "save_pretrained": "explorer.store.checkpoint",
    "encode": "explorer.analysis.latent",
    "encode_posterior": "explorer.analysis.latent",
    "decode": "explorer.analysis.latent",
    "reconstruct": "explorer.analysis.latent",
    "interpolate": "explorer.analysis.latent",
    "NormalSampler": "explorer.samplers",
    "GaussianMixtureSampler": "explorer.samplers",
    "ModelConfig": "explorer.models.nets",
    "AutoEncoder": "explorer.models.nets",
    "build_model": "explorer.models.registry",
    "KINDS": "explorer.models.kinds",
    "ExplorerError": "explorer.errors",
    "CheckpointError": "explorer.errors",
    "DatasetUnavailable": "explorer.errors",
    "ShowRefused": "explorer.errors",
    # The app on objects of this process: it lives with the app (explorer_app imports Streamlit; this package
    # does not), and is imported only when called for.
    "show": "explorer_app.show",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # found once; later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
