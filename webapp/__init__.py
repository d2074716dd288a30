"""The app layer: everything that imports Streamlit, beside the plain package ``explorer``.

- ``state``   every URL parameter and session key: how each is read, checked and written
- ``loaders`` what the pages draw from, cached per server (models, test splits, maps, mixtures)
- ``widgets`` the sidebar and the pickers the pages share
- ``page``    opening a page: its view, test images and model, or the catalogue's message
- ``scripts`` the scripts run in the page, the first element every page sends among them

A page is one file in ``views/`` with a ``render(view, …)`` function and one line in
``app.py``'s navigation table.
"""

import gc
import importlib

_loaded = False


def load_once() -> None:
    """Import what every page draws with, and freeze it: once per server, before any page runs.

    app.py calls it after the page's first element (its scripts) went out, so that the browser
    loads Plotly's code while this server imports (README, Performance: cold start)."""
    global _loaded
    if _loaded:
        return
    # Plotly looks pandas up in sys.modules without the import lock. While one session's thread is the
    # first to import pandas (Streamlit's tables do), another session building a figure finds the
    # half-made module and fails ("partially initialized module 'pandas' has no attribute 'Series'": 1 of
    # 10 sessions in tests/test_load.py). Imported here, before any page of any session runs, it is whole
    # before any figure: a second session arriving meanwhile waits at this import for the first's.
    importlib.import_module("pandas")
    importlib.import_module("plotly.graph_objects")  # every page draws with it

    # Streamlit collects all garbage after every run (runner.postScriptGC). A full pass walked every
    # object of streamlit, numpy, pandas and plotly each time: 0.1–0.3 s a rerun with the GIL held,
    # while the page's last messages waited and the browser painted (README, Performance). What is
    # loaded so far lives as long as the server: frozen (gc.freeze), later passes leave it out.
    gc.freeze()
    _loaded = True
