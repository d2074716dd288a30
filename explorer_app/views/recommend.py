"""Recommendation, the survey's last application: autoencoders of MovieLens-100K's ratings — your tastes through
each model, the movie map, and what the autoencoders learned, one part open at a time."""

import streamlit as st

from explorer.present.i18n import t
from explorer_app.recommend_panels import (
    keep_in_url,
    learned_panel,
    movie_map_panel,
    open_recommenders,
    part_from_url,
    part_tabs,
    rated_from_url,
    tastes_panel,
)

PANELS = {"tastes": tastes_panel, "map": movie_map_panel, "learned": learned_panel}


def render() -> None:
    st.title(t("rec.title"))
    st.caption(t("rec.intro"))
    rec = open_recommenders()
    if rec is None:
        return
    rated_from_url(len(rec.labels))
    for part, tab in part_tabs(part_from_url()).items():
        if tab.open:  # the closed parts are not drawn: their charts would cost the browser
            with tab:
                PANELS[part](rec)
    keep_in_url()  # the visitor's ratings, movie and part, for a link or a bookmark


if __name__ == "__main__":
    render()
