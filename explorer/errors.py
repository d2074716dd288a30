"""The package's own errors: a file or an argument it cannot use, and why.

Each error keeps the file it is about (``path``) apart from what is wrong with it
(``reason``), so that a command line can print both (the user named the path) while the
app names only the file and the model: a visitor never sees where the server keeps
its files. ``str(err)`` is ``"<path>: <reason>"``.

Every error also names the catalogue's sentence for its reason (``key``, filled with
``fields``), so that the app says it in the reader's language (explorer_app.page.explain): a raise
that names a key of its own is said in every language; one that does not falls back on its
English ``reason`` (``reason.other``). Every error the app shows is one of these.

No torch here: the catalogue and the app's first page import this without it.
"""

from __future__ import annotations

from pathlib import Path


class ExplorerError(RuntimeError):
    """Something the package cannot use; ``reason`` says what is wrong, without any path, and ``key`` names the
    catalogue's sentence that says it (with ``fields``)."""

    key = "reason.other"  # "{reason}": the English reason, where no sentence of the catalogue says it yet

    def __init__(self, reason: str, path: str | Path | None = None, *, key: str | None = None, **fields):
        self.reason = reason
        self.path = Path(path) if path is not None else None
        if key is not None:
            self.key = key
        self.fields = {"reason": reason, **fields}
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


class TheatreRefused(ExplorerError):
    """A training-theatre run that cannot be started, resumed or read; ``key`` says why."""


class WorkerEnded(ExplorerError):
    """A theatre worker told to end now (SIGTERM, or the server that started it gone): its run stops, resumable."""

    key = "theatre.ended"


class ViewsUnavailable(ExplorerError):
    """A checkpoint's precomputed views (views.npz) cannot be used: the app computes them instead."""


class ApplicationsUnavailable(ExplorerError):
    """Stored application figures that cannot be read, or figures that cannot be computed here."""


class ImageRejected(ExplorerError):
    """An image of your own that cannot be used; ``fault`` names what is wrong (``own.bad_<fault>`` says it)."""

    def __init__(self, fault: str, reason: str, **fields):
        self.fault = fault
        super().__init__(reason, key=f"own.bad_{fault}", **fields)


class BrowserDecoderUnavailable(ExplorerError):
    """Why a model's decoder cannot be sent to the browser: ``fault`` is missing, damaged, stale or unexportable."""

    def __init__(self, fault: str):
        self.fault = fault
        super().__init__(fault, key=f"browser.unavailable_{fault}")


class ShowRefused(ExplorerError, ValueError):
    """Objects ``explorer.show`` cannot open (a model whose decode does not give back images of the input's shape,
    values that are not finite, no images …): raised in the caller's Python before any server starts, and a
    ValueError as Python's own checks of an argument are."""


class ExportRefused(ExplorerError, ValueError):
    """An export (``python -m explorer.export site``) that cannot be written as asked: an unknown dataset or model,
    a folder that is not an earlier export, one that cannot be written. Nothing was written or replaced."""


class EncodingFailed(ExplorerError):
    """A large image file that could not be encoded across workers (explorer.analysis.distributed): the file is
    not an array of images, or no Dask cluster could be reached. Nothing was written."""


class RecommendationUnavailable(ExplorerError):
    """What the Recommendation page reads (movies.json, a recommender's recommendation.npz) cannot be used."""
