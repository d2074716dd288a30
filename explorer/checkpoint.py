"""Checkpoints: a folder that rebuilds its model (config.json + model.safetensors + metrics.json).

Loading never unpickles: the weights are safetensors, the rest JSON. Every fault
(missing, truncated, corrupted or mismatched file) is one :class:`CheckpointError`
whose message names the file and what is wrong with it.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from explorer.models import AutoEncoder, ModelConfig, build_model

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
METRICS_FILE = "metrics.json"
FORMAT_VERSION = 1


def round_to_storage(model: AutoEncoder) -> AutoEncoder:
    """Round the weights to float16 values, as they are stored, in place.

    Checkpoints store float16 (half the size; the whole zoo must stay small) and load
    as float32. Rounding before evaluating and saving makes the figures in
    metrics.json those of the weights that ship, and save → load exact.
    """
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().to(tensor.dtype))
    return model


class CheckpointError(RuntimeError):
    """A checkpoint folder that cannot be loaded; the message names the file and the fault."""


def library_versions() -> dict[str, str]:
    import torchvision

    from explorer import __version__

    return {
        "explorer": __version__,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
    }


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"{path}: file is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_config(folder: Path) -> tuple[ModelConfig, dict]:
    """The model config and the rest of config.json (training settings, versions)."""
    path = Path(folder) / CONFIG_FILE
    data = _read_json(path)
    if data.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: unsupported format {data.get('format')!r} (expected {FORMAT_VERSION})")
    try:
        config = ModelConfig.from_dict(data["model"])
    except KeyError:
        raise CheckpointError(f"{path}: has no 'model' section") from None
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: invalid model config ({err})") from None
    return config, data


def read_metrics(folder: Path) -> dict:
    return _read_json(Path(folder) / METRICS_FILE)


def write_metrics(folder: Path, metrics: dict) -> None:
    _write_json(Path(folder) / METRICS_FILE, metrics)


def save_pretrained(
    model: AutoEncoder,
    folder: Path,
    metrics: dict | None = None,
    training: dict | None = None,
    extra_files: dict[str, Path] | None = None,
) -> Path:
    """Write the checkpoint (float16 weights) into a temporary sibling folder, then rename it into place.

    An interrupted save leaves no half checkpoint: ``folder`` is either the old one
    or the complete new one.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        config = {
            "format": FORMAT_VERSION,
            "model": model.config.to_dict(),
            "training": training or {},
            "versions": library_versions(),
        }
        _write_json(tmp / CONFIG_FILE, config)
        state = {k: v.detach().cpu().half().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"kind": model.kind})
        _write_json(tmp / METRICS_FILE, metrics or {})
        for name, src in (extra_files or {}).items():
            shutil.copy2(src, tmp / name)
        tmp.chmod(0o755)  # mkdtemp makes it private; a checkpoint is meant to be shared
        for path in tmp.iterdir():
            path.chmod(0o644)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def load_pretrained(folder: Path, device: str | torch.device = "cpu") -> AutoEncoder:
    """Rebuild the model saved in ``folder``, in eval mode."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder")
    config, _ = read_config(folder)
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise CheckpointError(f"{path}: file is missing")
    try:
        state = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path}: corrupted or truncated ({err})") from None
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: does not match config.json ({config.name}): "
            f"missing {missing[:3]}{'…' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'…' if len(unexpected) > 3 else ''}"
        )
    for key, tensor in state.items():
        if tensor.shape != expected[key].shape:
            raise CheckpointError(
                f"{path}: tensor {key} has shape {tuple(tensor.shape)}, "
                f"config.json ({config.name}) needs {tuple(expected[key].shape)}"
            )
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: tensor {key} holds NaN or infinite values")
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(device).eval()
