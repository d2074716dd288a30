"""The scripts the app runs in the page (explorer_app/assets/*.js), each sent as an invisible ``st.html``.

Light on purpose: app.py imports it and sends the page's scripts before anything else is imported.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

from explorer.present.i18n import DEFAULT_LANGUAGE, t


def asset(name: str) -> str:
    """A script of explorer_app/assets, run in the page."""
    return (Path(__file__).resolve().parent / "assets" / name).read_text(encoding="utf-8")


# Streamlit's browser code for what the first view of a page draws: Plotly's charts, the sidebar's
# and the map's widgets (explorer_app/assets/preload_bundles.js says why).
# Not the components' (BidiComponent): its Arrow code delayed the first map (cold start 1.22–1.24 against 1.17).
PRELOADED = ("PlotlyChart", "Selectbox", "Multiselect", "Slider", "ButtonGroup", "Checkbox", "DownloadButton")


def streamlit_bundles(names: tuple[str, ...] = PRELOADED) -> list[str]:
    """The file names of Streamlit's browser bundles for these elements, those this Streamlit has."""
    folder = Path(st.__file__).resolve().parent / "static" / "static" / "js"
    found = [sorted(folder.glob(f"{name}.*.js")) for name in names]
    return [files[0].name for files in found if len(files) == 1]


@functools.cache
def _page_scripts(map_paths: tuple[str, ...]) -> str:
    from explorer_app.map_chart import plotly_script

    preload = (asset("preload_bundles.js").replace("__BUNDLES__", json.dumps(streamlit_bundles()), 1)
               .replace("__MAP_PATHS__", json.dumps(list(map_paths)), 1)
               .replace("__MAP_PLOTLY__", json.dumps(plotly_script()), 1))
    scripts = [preload, asset("follow_server.js")]
    return "".join(f"<script>{script}</script>" for script in scripts)


def page_scripts(map_paths: tuple[str, ...]) -> None:
    """What every page runs once in the browser, sent first (app.py): start loading the code of
    Plotly and of the widgets before they arrive (assets/preload_bundles.js), at the map's addresses
    (``map_paths``) the map chart's Plotly instead of Streamlit's (explorer_app.map_chart), and load the
    page anew from its URL when its server is replaced (assets/follow_server.js)."""
    st.html(_page_scripts(tuple(map_paths)), unsafe_allow_javascript=True, width=1)


LOCALISE = asset("localise.js")
# Streamlit's own words in the page (it has no catalogue): pattern of the whole text → catalogue key
STREAMLIT_PHRASES = (("^Upload$", "streamlit.upload"), ("^Browse files$", "streamlit.upload"),
                     ("^Drag and drop files? here$", "streamlit.drop"), ("^(\\S+) per file$", "streamlit.per_file"))


def localise_streamlit(lang: str) -> None:
    """Put Streamlit's own few words (the file uploader's) into the interface language (assets/localise.js)."""
    if lang == DEFAULT_LANGUAGE:
        return
    phrases = json.dumps([[pattern, t(key)] for pattern, key in STREAMLIT_PHRASES], ensure_ascii=False)
    st.html("<script>{}</script>".format(LOCALISE.replace("__PHRASES__", phrases, 1)), unsafe_allow_javascript=True,
            width=1)


PAGE_KEYS = "<script>{}</script>".format(asset("page_keys.js"))


def page_keys() -> None:
    """Keys that press the page's buttons: the tour's pages (Page Down / Page Up, the arrow keys), the
    theatre's epochs (the arrow keys, Space) (explorer_app/assets/page_keys.js)."""
    st.html(PAGE_KEYS, unsafe_allow_javascript=True, width=1)
