"""Autoencoder Explorer: `streamlit run app.py [-- --zoo DIR …]` from a checkout.

The app is the package ``explorer_app`` (installed with ``pip install .``); its script is
explorer_app/app.py. `streamlit run` serves it as an ``st.App`` with the app's own routes beside Streamlit's
(explorer_app/room_routes.py: a room's audience is told of a move instead of asking); run as a script (AppTest,
``python app.py``), this file runs that script itself.
"""

import runpy
from pathlib import Path

import streamlit as st

SCRIPT = Path(__file__).resolve().parent / "explorer_app" / "app.py"

if __name__ == "__main__":
    runpy.run_path(str(SCRIPT), run_name="__main__")
else:
    from explorer_app.room_routes import room_routes

    app = st.App(str(SCRIPT), routes=room_routes())
