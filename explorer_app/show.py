"""``explorer.show``: the app opened on a model and images the caller already holds, from Python or a notebook.

    import explorer
    shown = explorer.show(model, images, labels, class_names=["zero", "one", …])
    shown.url        # http://127.0.0.1:<port>/?dataset=shown-1&model=ae-z16
    shown.close()    # the server stops (when nothing else is shown) and the temporary folder goes

The app runs in this process, in a thread, on a free loopback port: the model crosses into it by reference
(explorer.store.live), never serialised, so a class defined in a notebook works as one in a module. The
images are written to a temporary folder only (the shown dataset's test split and each model's 2-D map),
removed by :meth:`Shown.close` and at the process's exit; one a killed process left is removed by the next
show. Everything is checked first (explorer.models.custom.adapt_shown): a model or images the explorer
cannot use raise :class:`explorer.errors.ShowRefused` before anything is written or started.
"""

from __future__ import annotations

import atexit
import html
import itertools
import os
import shutil
import socket
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from explorer.errors import ShowRefused

MAX_IMAGES = 10_000  # a seeded sample of a larger set: the map stays quick to draw and to project
TEMP_PREFIX = "explorer-show-"
# The app's settings (.streamlit/config.toml, which tests/test_show.py holds these to), and a server for
# this machine's own browser: loopback only, no browser opened by Streamlit, no file watcher.
SERVER_OPTIONS = {
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.maxUploadSize": 5,
    "server.maxMessageSize": 50,
    "server.runOnSave": False,
    "browser.gatherUsageStats": False,
    "client.toolbarMode": "viewer",
    "client.showErrorDetails": "type",
    "runner.magicEnabled": False,
    "theme.base": "light",
    "theme.textColor": "#0E1117",
    "theme.primaryColor": "#B3261E",
    "theme.codeTextColor": "#0E1117",
    "server.address": "127.0.0.1",
    "server.headless": True,
    "server.fileWatcherType": "none",
    "logger.level": "warning",
}

_numbers = itertools.count(1)
_lock = threading.RLock()
_open: list[Shown] = []


@dataclass
class Shown:
    """What :func:`show` opened: its address, and :meth:`close`."""

    url: str
    dataset: str
    models: list[str]  # the checkpoints' names in the app (the first is the one the page opens on)
    folder: Path  # the temporary zoo: removed by close()
    keys: list[str] = field(default_factory=list, repr=False)
    closed: bool = False

    def close(self) -> None:
        """Stop showing: the models are let go, the temporary folder removed, and the server stopped when
        nothing else is shown. Closing twice does nothing more."""
        from explorer.data.datasets import close_shown_zoo
        from explorer.store.live import release

        with _lock:
            if self.closed:
                return
            self.closed = True
            for key in self.keys:
                release(key)
            close_shown_zoo(self.folder)
            if self in _open:
                _open.remove(self)
            _forget_cached()
            if not _open:
                _server.stop()
            shutil.rmtree(self.folder, ignore_errors=True)

    def wait(self) -> None:
        """Keep a script's process (and so the app) alive until Ctrl+C, then close."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def show(model=None, images=None, labels=None, class_names=None, *, encoder=None, decoder=None, kind=None,
         names=None, title=None, map="umap", max_images=MAX_IMAGES, port=None, open_browser=False, inline=None,
         seed=0) -> Shown:
    """Open the explorer on ``model`` (a ``torch.nn.Module`` with ``encode(x)`` and ``decode(z)``; a list of them
    opens the map's comparison) or ``encoder=`` and ``decoder=``, and on ``images``.

    - ``images``: a tensor or array (N×H×W, N×C×H×W or N×H×W×C with C 1 or 3; uint8, or float in [0, 1]), or a
      dataset of (image, label) pairs such as torchvision's (its ``classes`` name the classes).
    - ``labels`` (N integers) and ``class_names`` colour and name the map's classes.
    - ``kind`` says what the pages treat a model as ("ae", "vae", "wae", …; by default "vae" when encode gives
      (μ, log σ²) or the model has ``encode_distribution``, else "ae"); ``names`` names each model.
    - ``map``: how codes larger than 2 are laid out ("umap", "pca" or "tsne"); other maps on the map page.

    The models see images as float N×C×H×W in [0, 1] (or rows of pixels, where encode takes those), on their
    own device, in eval mode. Returns a :class:`Shown`: shown inline in a notebook, its address printed elsewhere.
    """
    from explorer.data.datasets import open_shown_zoo

    image_set = image_set_of(images, labels, class_names, max_images, seed)
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    if len(models) > 1 and (encoder is not None or decoder is not None):
        raise ShowRefused("several models, or one encoder and decoder: not both")
    titles = model_titles(models, encoder, names)
    if map not in ("umap", "pca", "tsne"):
        raise ShowRefused(f"unknown map {map!r}; one of: umap, pca, tsne")
    with _lock:
        dataset = f"shown-{next(_numbers)}"
        shown_models = [prepared(m, encoder, decoder, kind, image_set, dataset, name)
                        for m, name in zip(models, titles, strict=True)]
        remove_left_behind()
        folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
        try:
            from explorer.store.shown import write_shown

            written = write_shown(folder / dataset, image_set, title or f"Shown images {dataset[6:]}", shown_models,
                                  map_method=map, seed=seed)
            open_shown_zoo(folder)
            server_port = _server.start(port)
        except BaseException:
            from explorer.data.datasets import close_shown_zoo
            from explorer.store.live import release

            close_shown_zoo(folder)
            for key in locals().get("written", {}).values():
                release(key)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        names_written = list(written)
        query = {"dataset": dataset, "model": names_written[0]}
        if len(names_written) > 1:
            query["compare"] = ",".join(names_written[1:3])
        shown = Shown(f"http://127.0.0.1:{server_port}/?{urlencode(query)}", dataset, names_written, folder,
                      list(written.values()))
        _open.append(shown)
        _at_exit()
    if inline if inline is not None else in_notebook():
        from IPython.display import HTML, display

        display(HTML(iframe(shown.url)))
    else:
        print(f"Autoencoder Explorer: {shown.url}", file=sys.stderr)
    if open_browser:
        webbrowser.open(shown.url)
    return shown


def image_set_of(images, labels, class_names, max_images: int, seed: int):
    """The images (and labels) as the app stores a dataset's (explorer.data.userdata.ImageSet): at most
    ``max_images``, a seeded sample of more."""
    from explorer.data.userdata import ImageSet, checked_labels, stored_images

    if images is None:
        raise ShowRefused("no images: pass a tensor or array of images, or a dataset of (image, label) pairs")
    if not isinstance(max_images, int) or max_images < 1:
        raise ShowRefused(f"max_images must be a positive whole number, not {max_images!r}")
    if class_names is not None and (isinstance(class_names, str) or not all(isinstance(n, str) for n in class_names)):
        raise ShowRefused("class_names must be a list of strings")
    if is_dataset(images):
        array, dataset_labels, dataset_classes = read_dataset(images, max_images, seed)
        labels = dataset_labels if labels is None else labels
        class_names = class_names if class_names is not None else dataset_classes
        rows = None
    else:
        array = to_numpy(images, "images")
        if array.ndim == 0:
            raise ShowRefused(f"images must be a tensor or an array of images, not {type(images).__name__}")
        rows = sample_rows(len(array), max_images, seed)
        if labels is not None:
            labels = to_numpy(labels, "labels").reshape(-1)
            if len(labels) != len(array):
                raise ShowRefused(f"{len(labels)} labels for {len(array)} images")
            labels = labels[rows] if rows is not None else labels
        array = array[rows] if rows is not None else array
    if array.ndim == 2 and array.shape[1] and int(np.sqrt(array.shape[1])) ** 2 == array.shape[1]:
        side = int(np.sqrt(array.shape[1]))  # rows of pixels of square grey images (an MLP's data)
        array = array.reshape(len(array), side, side)
    stored = stored_images(array, ShowRefused)
    found, names = checked_labels(labels, None if class_names is None else list(class_names), len(stored),
                                  ShowRefused)
    return ImageSet(stored, found, names)


def is_dataset(images) -> bool:
    return (hasattr(images, "__getitem__") and hasattr(images, "__len__") and not hasattr(images, "shape")
            and not isinstance(images, (list, tuple)))


def to_numpy(values, what: str) -> np.ndarray:
    try:
        import torch

        if isinstance(values, torch.Tensor):
            return values.detach().cpu().numpy()
        return np.asarray(values)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ShowRefused(f"{what} must be a tensor or an array ({type(err).__name__}: {err})") from None


def sample_rows(n: int, limit: int, seed: int) -> np.ndarray | None:
    if n <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def read_dataset(dataset, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...] | None]:
    """A dataset of (image, label) pairs (or of images) read into arrays: PIL images or tensors."""
    n = len(dataset)
    if n == 0:
        raise ShowRefused("the dataset holds no images")
    rows = sample_rows(n, limit, seed)
    pictures, labels = [], []
    for i in (rows if rows is not None else range(n)):
        item = dataset[int(i)]
        picture, label = (item[0], item[1]) if isinstance(item, (tuple, list)) and len(item) >= 2 else (item, None)
        array = to_numpy(picture, "each image")
        if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
            array = array.transpose(1, 2, 0)  # a tensor's C×H×W
        if pictures and array.shape != pictures[0].shape:
            raise ShowRefused(f"image {int(i)} has shape {array.shape}, the ones before it {pictures[0].shape}")
        pictures.append(array)
        labels.append(label)
    has_labels = all(label is not None for label in labels)
    classes = getattr(dataset, "classes", None)
    return (np.stack(pictures), np.asarray([int(label) for label in labels]) if has_labels else None,
            tuple(str(c) for c in classes) if has_labels and classes else None)


def model_titles(models: list, encoder, names) -> list[str]:
    """Each model's name in the app: ``names``, else its class's name (numbered where two share one)."""
    if names is not None:
        names = [names] if isinstance(names, str) else list(names)
        if len(names) != len(models) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ShowRefused(f"names must be {len(models)} non-empty strings, one per model")
        return [n.strip()[:60] for n in names]
    found = [type(m if m is not None else encoder).__name__ for m in models]
    return [f"{n} ({found[:k].count(n) + 1})" if found.count(n) > 1 else n for k, n in enumerate(found)]


def prepared(model, encoder, decoder, kind, image_set, dataset: str, title: str):
    """A model checked and adapted (explorer.models.custom.adapt_shown), with its codes of every image."""
    import torch

    from explorer.analysis.latent import encode
    from explorer.models.custom import adapt_shown

    adapted = adapt_shown(model, encoder, decoder, kind, image_set.images, dataset,
                          lambda reason: ShowRefused(f"{title}: {reason}"))
    try:
        codes = encode(adapted, torch.from_numpy(image_set.images)).numpy()
    except Exception as err:  # noqa: BLE001  (the user's code, on the images beyond the first few)
        raise ShowRefused(f"{title}: encode failed on the images ({type(err).__name__}: {str(err)[:200]})") from None
    if not np.isfinite(codes).all():
        bad = int((~np.isfinite(codes).all(axis=1)).sum())
        raise ShowRefused(f"{title}: encode returned NaN or infinite codes for {bad} of the {len(codes)} images")
    return adapted, title, codes


def iframe(url: str, height: int = 820) -> str:
    return (f'<iframe src="{html.escape(url)}" width="100%" height="{height}" style="border: 1px solid #ddd" '
            'title="Autoencoder Explorer"></iframe>')


def in_notebook() -> bool:
    """In a Jupyter kernel (where a returned iframe is drawn), not a plain Python or IPython terminal."""
    shell = sys.modules.get("IPython") and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def remove_left_behind() -> None:
    """Temporary folders of earlier shows whose process is gone (killed before it could remove them)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _forget_cached() -> None:
    """The app's caches hold the models it loaded: emptied, so that a closed model is let go."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


_exit_registered = False


def _at_exit() -> None:
    global _exit_registered
    if not _exit_registered:
        atexit.register(close_all)
        _exit_registered = True


def close_all() -> None:
    """Close everything shown (at the process's exit: nothing is left behind)."""
    while _open:
        _open[0].close()  # which takes it off the list


class _AppServer:
    """Streamlit's server for this process, in a thread with its own event loop: started by the first show,
    stopped when the last is closed."""

    def __init__(self):
        self.thread: threading.Thread | None = None
        self.loop = None
        self.server = None
        self.port: int | None = None

    def start(self, port: int | None) -> int:
        if self.thread is not None and self.thread.is_alive():
            if port is not None and port != self.port:
                raise ShowRefused(f"the explorer already serves this process on port {self.port}; close what it "
                                  "shows first, or leave port= out")
            return self.port
        import explorer_app

        explorer_app.EMBEDDED = True
        self.port = port or free_port()
        ready, failed = threading.Event(), []
        self.thread = threading.Thread(target=self._serve, args=(ready, failed), name="explorer-show-server",
                                       daemon=True)
        self.thread.start()
        if not ready.wait(60) or failed:
            self.thread = None
            reason = f"{type(failed[0]).__name__}: {failed[0]}" if failed else "it did not start within 60 s"
            raise ShowRefused(f"the explorer's server could not start on port {self.port} ({reason})")
        return self.port

    def _serve(self, ready: threading.Event, failed: list) -> None:
        import asyncio

        from streamlit.web import bootstrap
        from streamlit.web.server import Server

        script = str(Path(__file__).resolve().parent / "app.py")

        async def main():
            self.loop = asyncio.get_running_loop()
            bootstrap.load_config_options({**SERVER_OPTIONS, "server.port": self.port})
            bootstrap.prepare_streamlit_environment(script)
            self.server = Server(script, is_hello=False)
            await self.server.start()
            ready.set()
            await self.server.stopped

        try:
            asyncio.run(main())
        except BaseException as err:  # noqa: BLE001  (said by start(), in the caller's thread)
            failed.append(err)
            ready.set()
        finally:
            _release_runtime()

    def stop(self) -> None:
        if self.thread is None:
            return
        if self.loop is not None and self.server is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.server.stop)
        self.thread.join(30)
        self.thread = self.loop = self.server = None
        _wait_for_app_threads()


def _wait_for_app_threads(timeout: float = 60.0) -> None:
    """Wait for the app's own threads to end: the warm-up (told to stop) and any page still running (the
    stopped server asked each to stop). A daemon thread inside torch when the process exits aborts it
    ("terminate called without an active exception")."""
    import time

    import explorer_app

    deadline = time.monotonic() + timeout
    explorer_app.stop_warm_up(timeout)
    for thread in threading.enumerate():
        if thread.name.startswith("ScriptRunner.") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def _release_runtime() -> None:
    """Streamlit keeps its one Runtime for the process's life (a class attribute it never clears); a stopped
    server's is let go, so that a later show can start another."""
    from streamlit.runtime import Runtime

    Runtime._instance = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_server = _AppServer()
