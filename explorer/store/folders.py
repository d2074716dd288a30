"""Writing a checkpoint folder without ever losing one: what may be replaced, and the swap.

A checkpoint is replaced in steps, each a single rename, under a lock::

    1. write everything into  .<name>.part-XXXX   (a private temporary folder)
    2. rename it to           .<name>.new         (now complete: the new checkpoint exists)
    3. rename <name>       -> .<name>.old         (only if there is an old one)
    4. rename .<name>.new  -> <name>
    5. remove .<name>.old

Killed at any instant, either ``<name>`` is a whole checkpoint or :func:`recover` puts one
there: a complete ``.new`` is installed (the save had finished writing), otherwise ``.old``
is put back. The trainer, the loader and the app's catalogue call :func:`recover` first.

:func:`check_output_folder` decides what a command may write to: a new folder, an empty
one, or (with ``overwrite``) a folder that holds a checkpoint and nothing else. Anything
else, a user's own folder above all, is refused before any work starts.

No torch here: the app's catalogue uses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from explorer.errors import CheckpointError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
STATE_DICT_FILE = "model.pt"  # a model of your own architecture may keep a torch state dict (explorer.models.custom)
METRICS_FILE = "metrics.json"
FORMAT_VERSION = 1
RECOMMENDATION_FILE = "recommendation.npz"  # a recommender's page views (explorer.store.recommendation)
# Everything a checkpoint folder may hold: the checkpoint, and what embed (or a recommender's training) writes beside it.
CHECKPOINT_FILES = frozenset({CONFIG_FILE, WEIGHTS_FILE, METRICS_FILE, "map.npz", "gmm.npz", "views.npz", "applications.json",
                              "decoder.onnx", "browser.json", STATE_DICT_FILE, RECOMMENDATION_FILE})

try:
    import fcntl
except ImportError:  # not on Windows: the swap still runs, without a lock between processes
    fcntl = None


def _step(name: str) -> None:
    """Called after each step of the swap; the tests replace it to kill the process there."""


def _absolute(path: Path) -> Path:
    """``path`` made absolute without following links (``.`` has no name to put beside it)."""
    return Path(os.path.abspath(path))


def _sibling(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{suffix}")


@contextlib.contextmanager
def _locked(target: Path):
    """Hold an exclusive lock on ``target``'s parent folder for a swap or a recovery.

    The lock is on the folder itself (no lock file is left behind) and the OS releases it
    when the process dies, so a killed swap never blocks the next one.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def weights_file(folder: Path) -> Path:
    """The weights a checkpoint folder holds: model.safetensors, else a custom model's model.pt; else, for a model
    held in memory (explorer.store.live), its config.json, which names it by a key of its own."""
    folder = Path(folder)
    for name in (WEIGHTS_FILE, STATE_DICT_FILE):
        if (folder / name).is_file():
            return folder / name
    return folder / CONFIG_FILE


def needs_recovery(target: Path) -> bool:
    target = _absolute(target)
    return _sibling(target, "new").exists() or _sibling(target, "old").exists()


def recover(target: Path) -> None:
    """Finish or undo a swap of ``target`` that was interrupted; a no-op when there is none."""
    target = _absolute(target)
    if not needs_recovery(target):
        return
    with _locked(target):
        _recover_locked(target)


def _recover_locked(target: Path) -> None:
    new, old = _sibling(target, "new"), _sibling(target, "old")
    if new.is_dir():  # the new checkpoint was complete: finish installing it
        if target.exists() or target.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    elif old.is_dir():
        if target.exists():  # installed; only the old one's removal was left
            shutil.rmtree(old, ignore_errors=True)
        else:  # cannot happen through the steps above, but never leave the name empty
            old.rename(target)


def replace_folder(staged: Path, target: Path) -> None:
    """Install the complete folder ``staged`` as ``target`` (steps 2–5 above)."""
    staged, target = Path(staged), _absolute(target)
    new, old = _sibling(target, "new"), _sibling(target, "old")
    _step("staged")
    with _locked(target):
        _recover_locked(target)
        shutil.rmtree(new, ignore_errors=True)
        staged.rename(new)
        _step("marked")
        if target.exists():
            target.rename(old)
            _step("moved_old")
        new.rename(target)
        _step("installed")
        shutil.rmtree(old, ignore_errors=True)
        _step("cleaned")


def staging_folder(target: Path) -> Path:
    """A private temporary folder beside ``target`` to write the new checkpoint into (step 1)."""
    target = _absolute(target)
    for stale in target.parent.glob(f".{target.name}.part-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.part-", dir=target.parent))


def checkpoint_name(folder: Path) -> str | None:
    """``<kind>-z<latent>`` if ``folder`` holds a checkpoint and nothing else, else None."""
    folder = Path(folder)
    try:
        entries = {p.name for p in folder.iterdir()}
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        model = config["model"]
        name = f"{model['kind']}-z{model['latent_dim']}"
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    if config.get("format") != FORMAT_VERSION or not entries <= CHECKPOINT_FILES:
        return None
    if any((folder / entry).is_dir() or (folder / entry).is_symlink() for entry in entries):
        return None
    return name


def _listing(folder: Path, limit: int = 4) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_output_folder(target: Path, overwrite: bool) -> None:
    """Raise CheckpointError unless ``target`` may receive a checkpoint; writes nothing but a lock.

    Allowed: a folder that does not exist yet (its parent writable), an empty folder, and,
    with ``overwrite``, a folder that holds one checkpoint and nothing else.
    """
    target = _absolute(target)
    if target.is_symlink():
        raise CheckpointError("is a symbolic link; name the folder itself", target)
    parent = target.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise CheckpointError(f"cannot be created: {existing.name} is a file, not a folder", target)
    if target.exists() and not target.is_dir():
        raise CheckpointError("is a file, not a checkpoint folder; nothing was written", target)
    if parent.is_dir():
        recover(target)
    if target.is_dir() and any(target.iterdir()):
        name = checkpoint_name(target)
        if name is None:
            raise CheckpointError(
                f"is not a checkpoint folder (it holds {_listing(target)}); "
                "a checkpoint may replace only another checkpoint: choose a new folder", target)
        if not overwrite:
            raise CheckpointError(f"holds the checkpoint {name}; pass --overwrite to replace it", target)
    writable = parent if parent.is_dir() else existing
    if writable is not None and not os.access(writable, os.W_OK | os.X_OK):
        raise CheckpointError(f"cannot be written: {writable.name or writable} is not writable", target)
