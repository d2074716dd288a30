"""The app layer: everything that imports Streamlit, beside the plain package ``explorer``.

- ``state``   every URL parameter and session key: how each is read, checked and written
- ``loaders`` what the pages draw from, cached per server (models, test splits, maps, mixtures)
- ``widgets`` the sidebar and the pickers the pages share
- ``page``    opening a page: its view, test images and model, or the catalogue's message

A page is one file in ``views/`` with a ``render(view, …)`` function and one line in
``app.py``'s navigation table.
"""
