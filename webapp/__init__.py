"""The app layer: everything that imports Streamlit, beside the plain package ``explorer``.

- ``state``   every URL parameter and session key: how each is read, checked and written
- ``loaders`` what the pages draw from, cached per server (models, test splits, maps, mixtures)
- ``widgets`` the sidebar and the pickers the pages share
- ``page``    opening a page: its view, test images and model, or the catalogue's message
- ``scripts`` the scripts run in the page, the first element every page sends among them

A page is one file in ``views/`` with a ``render(view, …)`` function and one line in
``app.py``'s navigation table; app.py runs it inside :func:`pages_after_pandas`.
"""

import contextlib
import gc
import importlib
import threading

_frozen = False
_pandas = False
_first_page = threading.Lock()  # held while the server's first page is drawn, before pandas is imported


def hold_collections() -> None:
    """First thing app.py does: on the server's first run, no garbage collection until :func:`load_once`.

    A full pass walks every object of Streamlit's server, and the app's imports made Python start
    one: 0.13–0.15 s of the first run before the first map (README, Performance: cold start). Imported
    modules make no garbage worth collecting; :func:`load_once` freezes them and turns collection back on.
    """
    if not _frozen:
        gc.disable()


def load_once() -> None:
    """Freeze what is loaded before any page runs: once per server (app.py, through :func:`pages_after_pandas`)."""
    global _frozen
    if _frozen:
        return
    importlib.import_module("plotly.graph_objects")  # every page draws with it
    # Streamlit collects all garbage after every run (runner.postScriptGC). A full pass walked every
    # object of streamlit, numpy and plotly each time: 0.1–0.3 s a rerun with the GIL held, while the
    # page's last messages waited and the browser painted (README, Performance). What is loaded before
    # any page lives as long as the server: frozen (gc.freeze), later passes leave it out. Frozen later,
    # a session alive at that moment would be frozen with it (bench/memory.py: it grows).
    gc.freeze()
    gc.enable()  # off since hold_collections
    _frozen = True


@contextlib.contextmanager
def pages_after_pandas():
    """Around every page's run: the server's very first page is drawn first, and pandas imported after it.

    Plotly looks pandas up in sys.modules without the import lock. While one session's thread is the
    first to import pandas (Streamlit's tables do), another session building a figure finds the half-made
    module and fails ("partially initialized module 'pandas' has no attribute 'Series'": 1 of 10
    sessions in tests/test_load.py). So pandas is imported here, once: after the server's first page,
    which need not wait 0.5 s for it (README, Performance: cold start), while every other session waits
    at this lock, so that no figure is ever built beside a half-imported pandas. Every later page finds
    it whole.
    """
    global _pandas
    if not _pandas:
        _first_page.acquire()
        if not _pandas:
            try:
                load_once()
                yield  # no other session runs a page meanwhile: none imports pandas beside this one
            finally:
                try:
                    importlib.import_module("pandas")
                    _pandas = True
                finally:
                    _first_page.release()
            return
        _first_page.release()
    yield
