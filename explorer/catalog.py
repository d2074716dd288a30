"""What the app can offer: the checkpoints found under pretrained/, checked without loading torch.

A folder is listed only if its name has the form ``<kind>-z<latent>``; the app never
builds a path from a URL value, it picks from this list. A folder with a missing or
broken file is listed as unavailable, with the reason, and the others are served.

Symbolic links inside the zoo folder are followed only while they stay inside it: a
checkpoint folder or file that resolves to a place outside the zoo is listed as
unavailable ("links outside the zoo folder"), so the zoo cannot be made to serve files
from elsewhere on the server. A save that was killed half-way is finished or undone
before the folder is listed (explorer.folders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from explorer.data import DATASETS, pretrained_dir

# The model kinds, in the survey's order; explorer.models.MODELS is checked against this.
MODEL_KINDS = ("ae", "dae", "sparse", "contractive", "vae", "wae")
CHECKPOINT_NAME = re.compile(r"^(%s)-z([1-9][0-9]{0,3})$" % "|".join(MODEL_KINDS))


@dataclass(frozen=True)
class ModelInfo:
    dataset: str
    name: str  # the folder name, e.g. "vae-z16"
    folder: Path
    kind: str
    latent_dim: int
    available: bool = True
    reason: str = ""  # why it is unavailable
    test: dict = field(default_factory=dict, hash=False, compare=False)  # figures from metrics.json
    has_map: bool = False


LINKED_FILES = ("config.json", "model.safetensors", "metrics.json", "map.npz", "gmm.npz")


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _check(folder: Path, root: Path) -> str:
    """Empty if the checkpoint looks whole, else the reason it cannot be served."""
    if not all(_inside(p, root) for p in (folder, *(folder / name for name in LINKED_FILES))):
        return "links outside the zoo folder (refused)"
    config_path = folder / "config.json"
    weights = folder / "model.safetensors"
    if not config_path.is_file():
        return "config.json is missing"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        kind, latent = config["model"]["kind"], int(config["model"]["latent_dim"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return "config.json is unreadable or incomplete"
    if f"{kind}-z{latent}" != folder.name:
        return f"config.json describes {kind}-z{latent}, not {folder.name}"
    if not weights.is_file():
        return "model.safetensors is missing"
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="numpy") as f:
            if not list(f.keys()):
                return "model.safetensors holds no tensors"
    except Exception as err:  # safetensors raises its own error types for any malformed header
        return f"model.safetensors is corrupted ({type(err).__name__})"
    return ""


def _test_figures(folder: Path) -> dict:
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        return {k: v for k, v in metrics.get("test", {}).items() if isinstance(v, (int, float))}
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return {}


def list_models(dataset: str, root: Path | None = None) -> list[ModelInfo]:
    """Every checkpoint folder of ``dataset``, available or not, by latent size then kind."""
    if dataset not in DATASETS:
        return []
    root = Path(root or pretrained_dir()).resolve()
    base = root / dataset
    if not base.is_dir():
        return []
    _recover_interrupted_saves(base)
    found = []
    for folder in base.iterdir():
        match = CHECKPOINT_NAME.match(folder.name)
        if not match or not folder.is_dir():
            continue
        reason = _check(folder, root)
        found.append(
            ModelInfo(
                dataset=dataset,
                name=folder.name,
                folder=folder,
                kind=match.group(1),
                latent_dim=int(match.group(2)),
                available=not reason,
                reason=reason,
                test=_test_figures(folder),
                has_map=(folder / "map.npz").is_file(),
            )
        )
    return sorted(found, key=lambda m: (-m.latent_dim, MODEL_KINDS.index(m.kind)))


def _recover_interrupted_saves(base: Path) -> None:
    from explorer.folders import recover

    for leftover in base.glob(".*-z*.[no][le][wd]"):  # .<name>.new / .<name>.old
        name = leftover.name[1:].rsplit(".", 1)[0]
        if CHECKPOINT_NAME.match(name):
            try:
                recover(base / name)
            except OSError:
                pass  # a read-only zoo: listed as it is; the trainer recovers it on its next run


def find_model(dataset: str, name: str, root: Path | None = None) -> ModelInfo | None:
    """The listed checkpoint called ``name`` (compared as a string, never used as a path)."""
    return next((m for m in list_models(dataset, root) if m.name == name), None)
