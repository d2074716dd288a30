"""The package's own errors: a file or an argument it cannot use, and why.

Each error keeps the file it is about (``path``) apart from what is wrong with it
(``reason``), so that a command line can print both (the user named the path) while the
app names only the file and the model: a visitor never sees where the server keeps
its files. ``str(err)`` is ``"<path>: <reason>"``.

No torch here: the catalogue and the app's first page import this without it.
"""

from __future__ import annotations

from pathlib import Path


class ExplorerError(RuntimeError):
    """Something the package cannot use; ``reason`` says what is wrong, without any path."""

    def __init__(self, reason: str, path: str | Path | None = None):
        self.reason = reason
        self.path = Path(path) if path is not None else None
        super().__init__(f"{self.path}: {reason}" if self.path is not None else reason)

    @property
    def file(self) -> str:
        """The file's name alone (``map.npz``), safe to show to anyone; empty if none."""
        return self.path.name if self.path is not None else ""


class CheckpointError(ExplorerError):
    """A checkpoint folder that cannot be loaded or written."""


class DatasetUnavailable(ExplorerError):
    """The images of a dataset cannot be had; the reason says how to get them."""


class MapUnavailable(ExplorerError):
    """A 2-D map file (shipped or cached) that cannot be read."""


class MixtureUnavailable(ExplorerError):
    """A Gaussian-mixture file (gmm.npz) that cannot be read or is not a valid mixture."""


class TrainingDiverged(ExplorerError):
    """The loss or the weights stopped being finite during training."""


class ViewsUnavailable(ExplorerError):
    """A checkpoint's precomputed views (views.npz) cannot be used: the app computes them instead."""
