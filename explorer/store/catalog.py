"""What the app can offer: the checkpoints found under pretrained/, checked without loading torch.

A folder is listed only if its name has the form ``<kind>-z<latent>``; the app never
builds a path from a URL value, it picks from this list. A folder with a missing or
broken file is listed as unavailable, with the reason, and the others are served.

Symbolic links inside the zoo folder are followed only while they stay inside it: a
checkpoint folder or file that resolves to a place outside the zoo is listed as
unavailable ("links outside the zoo folder"), so the zoo cannot be made to serve files
from elsewhere on the server. A save that was killed half-way is finished or undone
before the folder is listed (explorer.store.folders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from explorer.data.datasets import all_datasets, zoo_of
from explorer.data.movielens import NAME as MOVIELENS
from explorer.models.custom import is_trusted
from explorer.models.kinds import BASELINE_KIND, COMPARISON_KINDS, KINDS, MODEL_KINDS
from explorer.present.i18n import t
from explorer.store.folders import CHECKPOINT_FILES, STATE_DICT_FILE, recover
from explorer.store.live import is_held, live_key

# "<kind>-z<latent>", and "-<n>" after it where one dataset has several of one kind and size (explorer.show's)
CHECKPOINT_NAME = re.compile(r"^({})-z([1-9][0-9]{{0,3}})(-[1-9][0-9]{{0,2}})?$".format("|".join(MODEL_KINDS)))


@dataclass(frozen=True)
class ModelInfo:
    dataset: str
    name: str  # the folder name, e.g. "vae-z16"
    folder: Path
    kind: str
    latent_dim: int
    problem: tuple = ()  # why it cannot be served: (catalogue key, (field, value), …); empty if it can
    test: dict = field(default_factory=dict, hash=False, compare=False)  # figures from metrics.json
    has_map: bool = False
    title: str = ""  # its own name, where config.json gives one (explorer.show's models)
    stamp: tuple[int, int] = (0, 0)  # the weights' size and modification time: a retrained model differs

    @property
    def available(self) -> bool:
        return not self.problem

    @property
    def reason(self) -> str:
        """Why it cannot be served, in the catalogue's words (the language of this run)."""
        if not self.problem:
            return ""
        key, *fields = self.problem
        return t(f"unavailable.{key}", **dict(fields))

    @property
    def identity(self) -> tuple:
        """What a cached model is keyed by: the same checkpoint, the same weights."""
        return (self.dataset, self.name, str(self.folder), self.stamp)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _check(folder: Path, root: Path) -> tuple:
    """Empty if the checkpoint looks whole, else (catalogue key, (field, value), …) saying why not."""
    if not all(_inside(p, root) for p in (folder, *(folder / name for name in sorted(CHECKPOINT_FILES)))):
        return ("outside_zoo",)
    config_path = folder / "config.json"
    weights = folder / "model.safetensors"
    if not config_path.is_file():
        return ("missing", ("file", "config.json"))
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        kind, latent = config["model"]["kind"], int(config["model"]["latent_dim"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return ("unreadable", ("file", "config.json"))
    if f"{kind}-z{latent}" != CHECKPOINT_NAME.sub(r"\1-z\2", folder.name):
        return ("contradicts", ("described", f"{kind}-z{latent}"[:40]), ("name", folder.name))
    if live_key(config) is not None:  # held by this process (explorer.show), or gone with the one that showed it
        return () if is_held(live_key(config)) else ("live_gone",)
    custom = config.get("custom")
    if custom is not None:  # its own code: loaded only when trusted, and checked then
        module = str(custom.get("module", "")) if isinstance(custom, dict) else ""
        if not is_trusted(module):
            return ("custom_code", ("module", module[:60]))
        if not (weights.is_file() or (folder / STATE_DICT_FILE).is_file()):
            return ("missing", ("file", "model.safetensors"))
        return ()
    if not weights.is_file():
        return ("missing", ("file", "model.safetensors"))
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="numpy") as f:
            if not list(f.keys()):
                return ("no_tensors",)
    except Exception as err:  # noqa: BLE001  (safetensors raises its own error types for a malformed header)
        return ("corrupted", ("file", "model.safetensors"), ("error", type(err).__name__))
    return ()


def _stamp(folder: Path) -> tuple[int, int]:
    try:
        info = (folder / "model.safetensors").stat()
        return info.st_size, info.st_mtime_ns
    except OSError:
        return 0, 0


def _title(folder: Path) -> str:
    try:
        title = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("title", "")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return ""
    return title[:60] if isinstance(title, str) else ""


def _test_figures(folder: Path) -> dict:
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        return {k: v for k, v in metrics.get("test", {}).items() if isinstance(v, (int, float))}
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return {}


def list_models(dataset: str, root: Path | None = None) -> list[ModelInfo]:
    """Every checkpoint folder of ``dataset`` (an image dataset, or MovieLens-100K's recommenders), available or
    not, by latent size then kind."""
    if dataset not in all_datasets() and dataset != MOVIELENS:
        return []
    root = Path(root or zoo_of(dataset)).resolve()
    base = root / dataset
    if not base.is_dir():
        return []
    _recover_interrupted_saves(base)
    found = []
    for folder in base.iterdir():
        match = CHECKPOINT_NAME.match(folder.name)
        if not match or not folder.is_dir():
            continue
        found.append(
            ModelInfo(
                dataset=dataset,
                name=folder.name,
                folder=folder,
                kind=match.group(1),
                latent_dim=int(match.group(2)),
                problem=_check(folder, root),
                test=_test_figures(folder),
                has_map=(folder / "map.npz").is_file(),
                title=_title(folder),
                stamp=_stamp(folder),
            )
        )
    return sorted(found, key=lambda m: (-m.latent_dim, MODEL_KINDS.index(m.kind)))


def _recover_interrupted_saves(base: Path) -> None:
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


def siblings(models: list[ModelInfo] | tuple[ModelInfo, ...], info: ModelInfo | None,
             kinds: tuple[str, ...] = COMPARISON_KINDS) -> list[ModelInfo]:
    """``info`` first, then the models of its latent size among ``kinds``, in that order: what a
    page compares by default (the plain AE against the VAE and the WAE)."""
    if info is None:
        return []
    by_name = {m.name: m for m in models}
    found = [info]
    for kind in kinds:
        other = by_name.get(f"{kind}-z{info.latent_dim}")
        if other is not None and other not in found:
            found.append(other)
    return found


def denoising_pair(models: list[ModelInfo] | tuple[ModelInfo, ...],
                   latent_dim: int | None = None) -> tuple[ModelInfo, ModelInfo] | None:
    """A denoising model and the plain autoencoder of the same latent size, ``latent_dim``'s first."""
    by_name = {m.name: m for m in models}
    denoisers = [m for m in models if KINDS[m.kind].denoising and f"{BASELINE_KIND}-z{m.latent_dim}" in by_name]
    denoisers.sort(key=lambda m: m.latent_dim != latent_dim)
    if not denoisers:
        return None
    return denoisers[0], by_name[f"{BASELINE_KIND}-z{denoisers[0].latent_dim}"]
