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
        """A user's model behind the interface the pages use (``config``, ``kind``, encode, decode …): a module of
        theirs, or an encoder and a decoder given apart (``explorer.show``). Codes come out as float32 N×d (the
        mean where encode gives (μ, log σ²)); images as float32 N×C×H×W in [0, 1], reshaped from N×(C·H·W)."""

        def __init__(self, inner: nn.Module | None, config, encoder=None, decoder=None, flat_input: bool = False):
            super().__init__()
            self.inner = inner
            self.config = config
            self.kind = config.kind
            self.parts = nn.ModuleList([m for m in (encoder, decoder) if isinstance(m, nn.Module) and m is not inner])
            self._encode = encoder or inner.encode
            self._decode = decoder or inner.decode
            self.flat_input = flat_input  # the user's encoder takes N×(C·H·W) rows, not images
            weights = [p for p in self.parameters() if p.is_floating_point()]
            self.dtype = weights[0].dtype if weights else torch.float32
            # The pages send inputs to the device of a model's first parameter (explorer.analysis.latent):
            # this one, on the user's device, is first even for an encoder and a decoder without any.
            self.anchor = nn.Parameter(torch.zeros(0, device=weights[0].device if weights else "cpu"),
                                       requires_grad=False)

        def _codes_and_spread(self, x: torch.Tensor):
            out = self._encode((x.flatten(1) if self.flat_input else x).to(self.dtype))
            if isinstance(out, (tuple, list)):  # (μ, log σ²): a Gaussian encoder's posterior
                return out[0].float(), (out[1].float() if len(out) > 1 else None)
            return out.float(), None

        def encode(self, x: torch.Tensor) -> torch.Tensor:
            return self._codes_and_spread(x)[0]

        def encode_distribution(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            if self.inner is not None and callable(getattr(self.inner, "encode_distribution", None)):
                mu, logvar = self.inner.encode_distribution(x.to(self.dtype))
                return mu.float(), logvar.float()
            return self._codes_and_spread(x)

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            out = self._decode(z.to(self.dtype)).float()
            return out.reshape(z.shape[0], *self.config.image_shape).clamp(0, 1)

        def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
            return self.decode(self.encode(x))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.reconstruct(x)

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


PROBE_IMAGES = 16  # what explorer.show tries a model on before it opens anything


def adapt_shown(model, encoder, decoder, kind: str | None, images, dataset: str, refuse):
    """A model of the caller's own process (``explorer.show``) behind the pages' interface, tried first on a few
    of ``images`` (uint8 N×H×W or N×H×W×3): ``refuse(reason)`` makes the error raised when it does not fit —
    an encode or decode that fails, codes that are not N×d, images of another shape, values not finite or
    outside [0, 1]. The module is put in eval mode, as for inference."""
    import torch
    from torch import nn

    from explorer.data.datasets import to_float
    from explorer.models.nets import ModelConfig

    if model is not None and (encoder is not None or decoder is not None):
        raise refuse("give a model, or an encoder and a decoder, not both")
    if model is None and not (callable(encoder) and callable(decoder)):
        raise refuse("give a torch.nn.Module with encode(x) and decode(z), or encoder= and decoder= (callables)")
    if model is not None and not (callable(getattr(model, "encode", None)) and callable(getattr(model, "decode", None))):
        raise refuse(f"{type(model).__name__} has no encode(x) and decode(z); pass encoder= and decoder= instead")
    for part in (model, encoder, decoder):
        if isinstance(part, nn.Module):
            part.eval()
    channels = 3 if images.ndim == 4 else 1
    size = int(images.shape[1])
    if images.shape[1] != images.shape[2]:
        raise refuse(f"the images are {images.shape[2]}×{images.shape[1]}; the explorer takes square images")
    sample = to_float(torch.from_numpy(images[:PROBE_IMAGES]))
    sample = sample.reshape(len(sample), channels, size, size) if channels == 1 else sample.permute(0, 3, 1, 2)
    probe = custom_model_class()(model, ModelConfig(kind="ae", dataset=dataset, latent_dim=1, image_channels=channels,
                                                    image_size=size), encoder, decoder)
    shape = tuple(sample.shape)
    with torch.no_grad():
        try:
            codes, spread = probe._codes_and_spread(sample.to(probe.anchor.device))
        except Exception as err:  # noqa: BLE001  (the user's code: any error it raises is reported)
            probe.flat_input = True  # an MLP's encoder takes rows of pixels
            try:
                codes, spread = probe._codes_and_spread(sample.to(probe.anchor.device))
            except Exception:  # noqa: BLE001
                raise refuse(f"encode failed on a batch of images of shape {shape} "
                             f"({type(err).__name__}: {str(err)[:200]})") from None
        if not isinstance(codes, torch.Tensor) or codes.ndim != 2 or codes.shape[0] != len(sample):
            got = tuple(codes.shape) if isinstance(codes, torch.Tensor) else type(codes).__name__
            raise refuse(f"encode must return N×d codes (or (μ, log σ²)) for N images; for {shape} it returned {got}")
        if not torch.isfinite(codes).all():
            raise refuse("encode returned NaN or infinite codes")
        try:
            out = probe._decode(codes.to(probe.dtype))
        except Exception as err:  # noqa: BLE001
            raise refuse(f"decode failed on codes of shape {tuple(codes.shape)} ({type(err).__name__}: "
                         f"{str(err)[:200]})") from None
        fits = (tuple(sample.shape), (len(sample), sample[0].numel())) + (((len(sample), size, size),)
                                                                          if channels == 1 else ())
        if not isinstance(out, torch.Tensor) or tuple(out.shape) not in fits:  # images, or rows of pixels
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise refuse(f"decode must return images of the input's shape {shape}; it returned {got}")
        out = out.float()
        if not torch.isfinite(out).all():
            raise refuse("decode returned NaN or infinite values")
        low, high = float(out.min()), float(out.max())
        if low < -0.01 or high > 1.01:
            raise refuse(f"decode returned values in [{low:.3g}, {high:.3g}]; the explorer draws images in [0, 1]: end "
                         "decode with a sigmoid, or pass decoder=lambda z: torch.sigmoid(model.decode(z))")
    posterior = spread is not None or callable(getattr(model, "encode_distribution", None))
    kind = kind or ("vae" if posterior else "ae")
    if kind not in KINDS:
        raise refuse(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if KINDS[kind].posterior_variance and not posterior:
        raise refuse(f"a {kind} needs a posterior: encode returning (μ, log σ²), or encode_distribution(x)")
    try:
        config = ModelConfig(kind=kind, dataset=dataset, latent_dim=codes.shape[1], image_channels=channels,
                             image_size=size)
    except ValueError as err:
        raise refuse(str(err)) from None
    probe.config, probe.kind = config, kind
    return probe
