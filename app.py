"""Autoencoder Explorer: `streamlit run app.py [-- --zoo DIR …]` from a checkout.

The app is the package ``explorer_app`` (installed with ``pip install .``); its script is
explorer_app/app.py, run here as if Streamlit had been given it.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "explorer_app" / "app.py"), run_name="__main__")
