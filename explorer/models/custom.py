"""Models of your own architecture: the contract, and the opt-in that loads their code.

A checkpoint folder whose ``config.json`` has a ``"custom"`` section holds a model defined in the
user's own Python code::

    {"format": 1,
     "model": {"kind": "ae", "dataset": "shapes", "latent_dim": 8, "image_channels": 3, "image_size": 32},
     "custom": {"module": "examples.mlp_autoencoder", "class": "MLPAutoEncoder", "config": {...}}}

``module`` is an importable module name or a ``.py`` file's path (relative to the checkpoint folder
or absolute). The class is built as ``cls(config)`` from the ``"config"`` dict and must provide:

- ``encode(x) -> z``: images N×C×H×W in [0, 1] to codes N×latent_dim;
- ``decode(z) -> x``: codes to images N×C×H×W in [0, 1];
- for ``"kind": "vae"`` also ``encode_distribution(x) -> (mu, logvar)``, the posterior q(z|x).

The ``"model"`` section says what the pages treat it as (its kind, its dataset, its code and image
sizes). Weights are ``model.safetensors``, or ``model.pt`` holding a state dict read with
``torch.load(weights_only=True)`` (tensors only: nothing else is unpickled).

The code runs only when its module is named explicitly — ``--trust-module NAME`` on the app's or
a command's line, or ``$EXPLORER_TRUST_MODULES`` — as Hugging Face's ``trust_remote_code``;
otherwise the catalogue lists the folder as unavailable and says which module it asks for.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from explorer.errors import CheckpointError
from explorer.models.kinds import KINDS
from explorer.store.folders import STATE_DICT_FILE, WEIGHTS_FILE

TRUST_ENV = "EXPLORER_TRUST_MODULES"


def trusted_modules() -> set[str]:
    """The modules the user named as trusted (``$EXPLORER_TRUST_MODULES``, separated by commas)."""
    return {m.strip() for m in os.environ.get(TRUST_ENV, "").split(",") if m.strip()}


def custom_section(data: dict, path: Path) -> dict | None:
    """config.json's ``"custom"`` section, checked; None for a model of this package's own family."""
    custom = data.get("custom")
    if custom is None:
        return None
    if not (isinstance(custom, dict) and isinstance(custom.get("module"), str) and custom["module"]
            and isinstance(custom.get("class"), str) and custom["class"].isidentifier()
            and isinstance(custom.get("config", {}), dict)):
        raise CheckpointError("its 'custom' section needs a 'module', a 'class' name and a 'config' object", path)
    return custom


def is_trusted(module: str) -> bool:
    return module in trusted_modules()


def _import(module: str, folder: Path):
    if module.endswith(".py"):
        file = (folder / module) if not Path(module).is_absolute() else Path(module)
        spec = importlib.util.spec_from_file_location(f"explorer_custom_{file.stem}", file)
        if spec is None or spec.loader is None or not file.is_file():
            raise CheckpointError(f"the module file {module} is not there", folder / "config.json")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = loaded
        spec.loader.exec_module(loaded)
        return loaded
    return importlib.import_module(module)


@functools.cache
def custom_model_class():
    """The adapter class (built on first use: the catalogue imports this module without torch)."""
    import torch
    from torch import nn

    class CustomModel(nn.Module):
        """A user's model behind the interface the pages use (``config``, ``kind``, encode, decode …)."""

        def __init__(self, inner: nn.Module, config):
            super().__init__()
            self.inner = inner
            self.config = config
            self.kind = config.kind

        def encode(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner.encode(x)

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            return self.inner.decode(z)

        def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
            return self.decode(self.encode(x))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.reconstruct(x)

        def encode_distribution(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return self.inner.encode_distribution(x)

    return CustomModel


def load_custom(folder: Path, custom: dict, config, device="cpu"):
    """Build and load a model of the user's own architecture (only if its module is trusted)."""
    from torch import nn

    folder = Path(folder)
    path = folder / "config.json"
    module = custom["module"]
    if not is_trusted(module):
        raise CheckpointError(f"it asks to run the Python module {module}; name it with --trust-module {module} "
                              "to load it", path)
    try:
        cls = getattr(_import(module, folder), custom["class"])
        inner = cls(custom.get("config", {}))
    except CheckpointError:
        raise
    except Exception as err:  # noqa: BLE001  (the user's own code: any error it raises is reported)
        raise CheckpointError(f"its module {module} could not build {custom['class']} ({type(err).__name__}: {err})",
                              path) from None
    missing = [m for m in ("encode", "decode") + (("encode_distribution",) if KINDS[config.kind].posterior_variance
                                                  else ()) if not callable(getattr(inner, m, None))]
    if missing or not isinstance(inner, nn.Module):
        raise CheckpointError(f"{custom['class']} is not an nn.Module with {', '.join(missing or ['encode'])}", path)
    state = _read_state(folder)
    try:
        inner.load_state_dict({k: v.float() for k, v in state.items()})
    except (RuntimeError, ValueError) as err:
        raise CheckpointError(f"its weights do not fit {custom['class']} ({str(err).splitlines()[0]})", path) from None
    return custom_model_class()(inner, config).to(device).eval()


def _read_state(folder: Path) -> dict:
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights, state_dict = folder / WEIGHTS_FILE, folder / STATE_DICT_FILE
    if weights.is_file():
        try:
            state = load_file(str(weights), device="cpu")
        except (SafetensorError, OSError, ValueError) as err:
            raise CheckpointError(f"corrupted or truncated ({err})", weights) from None
    elif state_dict.is_file():
        try:
            state = torch.load(state_dict, map_location="cpu", weights_only=True)  # tensors only, never objects
        except Exception as err:  # noqa: BLE001  (torch raises its own unpickling errors for all but tensors)
            raise CheckpointError(f"not a state dict of tensors ({type(err).__name__})", state_dict) from None
        if not (isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())):
            raise CheckpointError("not a state dict of tensors", state_dict)
    else:
        raise CheckpointError("no weights (model.safetensors or model.pt)", folder / "model.safetensors")
    bad = [k for k, v in state.items() if not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(f"tensor {bad[0]} holds NaN or infinite values", folder / "model.safetensors")
    return state
