"""Autoencoder Explorer: `streamlit run app.py`.

Navigation and the sidebar only; each view is one file in views/. Adding a page is
one file there and one line in PAGES.
"""

import streamlit as st

from explorer import ui
from explorer.i18n import set_language, t

st.set_page_config(page_title="Autoencoder Explorer", page_icon=":material/blur_on:", layout="wide")
set_language(st.query_params.get("lang", "en"))

PAGES = [
    st.Page("views/latent_map.py", title=t("nav.map"), icon=":material/scatter_plot:", url_path="map", default=True),
    st.Page("views/interpolate.py", title=t("nav.interpolate"), icon=":material/linear_scale:", url_path="interpolate"),
    st.Page("views/traverse.py", title=t("nav.traverse"), icon=":material/tune:", url_path="traverse"),
    st.Page("views/sample.py", title=t("nav.sample"), icon=":material/grid_view:", url_path="sample"),
    st.Page("views/denoise.py", title=t("nav.denoise"), icon=":material/blur_off:", url_path="denoise"),
    st.Page("views/anomaly.py", title=t("nav.anomaly"), icon=":material/report:", url_path="anomaly"),
]

page = st.navigation(PAGES)
ui.sidebar()
page.run()
