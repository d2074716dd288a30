"""Checkpoints: a folder that rebuilds its model (config.json + model.safetensors + metrics.json).

Loading never unpickles: the weights are safetensors, the rest JSON. Every fault
(missing, truncated, corrupted or mismatched file) is one :class:`CheckpointError`
whose message names the file and what is wrong with it.
"""

from __future__ import annotations

import json
import math
import platform
import shutil
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from explorer.errors import CheckpointError
from explorer.models.custom import custom_section, load_custom
from explorer.models.nets import AutoEncoder, ModelConfig
from explorer.models.registry import build_model, config_from_dict
from explorer.store.folders import (
    CONFIG_FILE,
    FORMAT_VERSION,
    METRICS_FILE,
    WEIGHTS_FILE,
    check_output_folder,
    recover,
    replace_folder,
    staging_folder,
)
from explorer.store.live import held_model, live_key


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
        raise CheckpointError("file is missing", path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"not valid JSON ({err})", path) from None
    if not isinstance(data, dict):
        raise CheckpointError(f"expected a JSON object, found {type(data).__name__}", path)
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
        raise CheckpointError(f"unsupported format {data.get('format')!r} (expected {FORMAT_VERSION})", path)
    if not isinstance(data.get("model"), dict):
        raise CheckpointError("has no 'model' section", path)
    try:
        config = config_from_dict(data["model"])
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"invalid model config ({err})", path) from None
    return config, data


def read_metrics(folder: Path) -> dict:
    return _read_json(Path(folder) / METRICS_FILE)


def write_metrics(folder: Path, metrics: dict) -> None:
    write_metrics_file(Path(folder) / METRICS_FILE, metrics)


def write_metrics_file(path: Path, figures: dict) -> None:
    """Write figures as JSON, atomically (non-finite numbers as null)."""
    _write_json(Path(path), finite_json(figures))


def save_pretrained(
    model: AutoEncoder,
    folder: Path,
    metrics: dict | None = None,
    training: dict | None = None,
    extra_files: dict[str, Path] | None = None,
) -> Path:
    """Write the checkpoint (float16 weights) beside ``folder``, then swap it into place.

    ``folder`` may be new, empty, or hold a checkpoint (which is replaced); anything else
    is refused with CheckpointError before a byte is written. Weights that are not finite
    are refused too, so a run that diverged never replaces a good checkpoint. The swap
    (explorer.store.folders) leaves ``folder`` whole whenever the process is killed.
    """
    folder = Path(folder)
    state = {k: v.detach().cpu().half().contiguous() for k, v in model.state_dict().items()}
    bad = next((k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if bad is not None:
        raise CheckpointError(f"not written: tensor {bad} holds NaN or infinite values "
                              "(or values beyond float16's range)", folder)
    check_output_folder(folder, overwrite=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_folder(folder)
    try:
        config = {
            "format": FORMAT_VERSION,
            "model": model.config.to_dict(),
            "training": training or {},
            "versions": library_versions(),
        }
        _write_json(tmp / CONFIG_FILE, config)
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"kind": model.kind})
        _write_json(tmp / METRICS_FILE, finite_json(metrics or {}))
        for name, src in (extra_files or {}).items():
            shutil.copy2(src, tmp / name)
        tmp.chmod(0o755)  # mkdtemp makes it private; a checkpoint is meant to be shared
        for path in tmp.iterdir():
            path.chmod(0o644)
        replace_folder(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def finite_json(value):
    """``value`` with non-finite floats written as null: JSON has no NaN, and readers choke on it."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def load_pretrained(folder: Path, device: str | torch.device = "cpu") -> AutoEncoder:
    """Rebuild the model saved in ``folder``, in eval mode."""
    folder = Path(folder)
    recover(folder)  # a save that was killed half-way is finished or undone first
    if not folder.is_dir():
        raise CheckpointError("no such checkpoint folder", folder)
    config, data = read_config(folder)
    if live_key(data) is not None:  # a model of the caller's own process (explorer.show), held, not stored
        return held_model(data, folder / CONFIG_FILE)
    custom = custom_section(data, folder / CONFIG_FILE)
    if custom is not None:  # a model of the user's own architecture (explorer.custom: the contract)
        return load_custom(folder, custom, config, device)
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise CheckpointError("file is missing", path)
    try:
        state = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"corrupted or truncated ({err})", path) from None
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"does not match config.json ({config.name}): "
            f"missing {missing[:3]}{'…' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'…' if len(unexpected) > 3 else ''}", path)
    for key, tensor in state.items():
        if tensor.shape != expected[key].shape:
            raise CheckpointError(
                f"tensor {key} has shape {tuple(tensor.shape)}, "
                f"config.json ({config.name}) needs {tuple(expected[key].shape)}", path)
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"tensor {key} holds NaN or infinite values", path)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(device).eval()
