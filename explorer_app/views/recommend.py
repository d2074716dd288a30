"""Recommendation, the survey's last application: autoencoders of MovieLens-100K's ratings — the movie map, your
tastes through each model, and what the autoencoders learned."""

import streamlit as st

from explorer.present.i18n import t
from explorer_app.recommend_panels import (
    keep_in_url,
    learned_panel,
    movie_map_panel,
    open_recommenders,
    rated_from_url,
    tastes_panel,
)


def render() -> None:
    st.title(t("rec.title"))
    st.caption(t("rec.intro"))
    rec = open_recommenders()
    if rec is None:
        return
    rated_from_url(len(rec.labels))
    tastes_panel(rec)
    movie_map_panel(rec)
    learned_panel(rec)
    keep_in_url()  # the visitor's ratings and movie, for a link or a bookmark


if __name__ == "__main__":
    render()
