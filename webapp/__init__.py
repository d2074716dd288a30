"""The app layer: everything that imports Streamlit, beside the plain package ``explorer``.

- ``state``   every URL parameter and session key: how each is read, checked and written
- ``loaders`` what the pages draw from, cached per server (models, test splits, maps, mixtures)
- ``widgets`` the sidebar and the pickers the pages share
- ``page``    opening a page: its view, test images and model, or the catalogue's message

A page is one file in ``views/`` with a ``render(view, …)`` function and one line in
``app.py``'s navigation table.
"""

# Plotly looks pandas up in sys.modules without the import lock. While one session's thread is the first to
# import pandas (Streamlit's tables do), another session building a figure finds the half-made module and
# fails ("partially initialized module 'pandas' has no attribute 'Series'": 1 of 10 sessions in
# tests/test_load.py). Imported here, before any page of any session runs, it is whole before any figure.
import pandas  # noqa: E402,F401

import gc  # noqa: E402

import plotly.graph_objects  # noqa: E402,F401  (every page draws with it)

# Streamlit collects all garbage after every run (runner.postScriptGC). A full pass walked every
# object of streamlit, numpy, pandas and plotly each time: 0.1–0.3 s a rerun with the GIL held,
# while the page's last messages waited and the browser painted (README, Performance). What is
# loaded so far lives as long as the server: frozen (gc.freeze), later passes leave it out. Done
# once, on the first run, before any page: nothing of a session is frozen with it.
gc.freeze()
