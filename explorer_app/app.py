"""Autoencoder Explorer: the script Streamlit runs (`streamlit run app.py [-- --zoo DIR …]` in a checkout runs
this one; ``explorer.show`` runs it in the user's own process).

The navigation table and the sidebar only. A page is one file in views/ (a ``render`` function, run
when the file is the page) and one line in PAGES; everything Streamlit that pages share is in this package.
"""

import sys
from pathlib import Path

import streamlit as st

import explorer_app

explorer_app.hold_collections()  # until the app's modules are loaded and frozen (explorer_app.load_once)

from explorer_app.scripts import page_scripts

MAP_PATH, MAP_OLD_PATH = "latent-map", "map"  # the map's address, and the one it had before (see MAP_ALIAS)

# First, before this server imports and builds the rest: the browser starts loading Plotly's code
# meanwhile, where a page needs it (explorer_app/assets/preload_bundles.js; docs/performance.md: cold start).
page_scripts(map_paths=("", MAP_PATH, MAP_OLD_PATH))

from explorer.present.i18n import set_language, t
from explorer_app import page_script, pages_after_imports, state
from explorer_app.widgets import sidebar
from explorer_app.zoos import open_zoos

# The icon ships with the app: a Material icon here would make the browser fetch the
# favicon from a font host, which a lecture room without a network cannot reach.
PAGE_ICON = str(Path(__file__).resolve().parent / "assets" / "page-icon.png")

if not explorer_app.EMBEDDED:  # in explorer.show's process, sys.argv is its program's, not the app's
    open_zoos(sys.argv[1:])  # `-- --zoo DIR` opens a zoo of your own beside the shipped one
set_language(state.language())
st.set_page_config(page_title=t("app.title"), page_icon=PAGE_ICON, layout="wide",
                   initial_sidebar_state="collapsed" if state.presenting() else "auto")

PAGES = [
    st.Page(page_script("latent_map"), title=t("nav.map"), icon=":material/scatter_plot:", url_path=MAP_PATH,
            default=True),
    st.Page(page_script("tour"), title=t("nav.tour"), icon=":material/school:", url_path="tour"),
    st.Page(page_script("interpolate"), title=t("nav.interpolate"), icon=":material/linear_scale:", url_path="interpolate"),
    st.Page(page_script("traverse"), title=t("nav.traverse"), icon=":material/tune:", url_path="traverse"),
    st.Page(page_script("sample"), title=t("nav.sample"), icon=":material/grid_view:", url_path="sample"),
    st.Page(page_script("denoise"), title=t("nav.denoise"), icon=":material/blur_off:", url_path="denoise"),
    st.Page(page_script("anomaly"), title=t("nav.anomaly"), icon=":material/report:", url_path="anomaly"),
    st.Page(page_script("figure7"), title=t("nav.figure7"), icon=":material/join_inner:", url_path="figure7"),
    st.Page(page_script("model_card"), title=t("nav.card"), icon=":material/badge:", url_path="card"),
    st.Page(page_script("quality"), title=t("nav.quality"), icon=":material/leaderboard:", url_path="quality"),
    st.Page(page_script("own_image"), title=t("nav.own"), icon=":material/draw:", url_path="your-image"),
    st.Page(page_script("applications"), title=t("nav.apps"), icon=":material/insights:", url_path="applications"),
    st.Page(page_script("recommend"), title=t("nav.rec"), icon=":material/movie:", url_path="recommendation"),
    st.Page(page_script("attributes"), title=t("nav.attr"), icon=":material/arrow_right_alt:", url_path="attributes"),
    st.Page(page_script("theatre"), title=t("nav.theatre"), icon=":material/model_training:", url_path="theatre"),
]
if explorer_app.EMBEDDED:  # explorer.show: the pages of the shipped zoo, its training data and its training are left out
    PAGES = [p for p in PAGES if p.url_path not in ("tour", "quality", "applications", "recommendation", "theatre")]
# Streamlit serves the default page at "/" only; a typed or bookmarked "/map" (the map's
# address before) would say "Page not found". This unlisted alias answers it, and sends the
# browser on to the map's own address with the view its URL holds.
MAP_ALIAS = st.Page(page_script("latent_map"), title=t("nav.map"), icon=":material/scatter_plot:", url_path=MAP_OLD_PATH,
                    visibility="hidden")

# Streamlit's own navigation, every page listed: part of the page's frame, not thirteen
# elements for the browser to draw again on every rerun.
page = st.navigation([*PAGES, MAP_ALIAS], expanded=True)
if page is MAP_ALIAS:
    st.switch_page(PAGES[0], query_params={key: st.query_params.get_all(key) for key in st.query_params})
with pages_after_imports():  # the server's first page is drawn before the shared imports, the others after
    sidebar()
    page.run()
