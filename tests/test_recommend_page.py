"""The Recommendation page (explorer_app/views/recommend.py) on the shipped recommenders, in Streamlit's AppTest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.present.i18n import STRINGS
from tests.conftest import clear_streamlit_caches

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "explorer_app/views/recommend.py"
SHIPPED = Path(__file__).resolve().parent.parent / "pretrained" / "movielens-100k"


def open_recommendation(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at.switch_page(PAGE).run()


def recommended(at: AppTest) -> list[list[str]]:
    """The three lists of recommended movies, as the page shows them."""
    column = STRINGS["en"]["rec.col_movie"]
    return [list(table.value[column]) for table in at.table if column in table.value.columns
            and STRINGS["en"]["rec.col_rank"] in table.value.columns]


def rate(at: AppTest, movie: int, stars: int) -> AppTest:
    at.selectbox(key="rec_rate_movie").set_value(movie).run()
    at.radio(key="rec_rate_stars").set_value(stars).run()
    return at.button(key="rec_add").click().run()


def test_a_visitor_who_rated_nothing_sees_the_most_liked_movies_said_so():
    at = open_recommendation()
    assert not at.exception and not at.error
    assert any(i.value == STRINGS["en"]["rec.nothing_rated"] for i in at.info)
    lists = recommended(at)
    assert len(lists) == 3 and all(len(shown) == 10 for shown in lists)
    assert lists[0] == lists[1] == lists[2]  # popularity, the same for every model
    assert lists[0][0] == "Star Wars (1977)"  # the most 4- and 5-star ratings in MovieLens-100K


def test_rating_three_movies_changes_each_model_s_list_and_keeps_them_in_the_link():
    at = open_recommendation()
    popular = recommended(at)
    for movie in (0, 171, 49):  # Toy Story, The Empire Strikes Back, Star Wars
        at = rate(at, movie, 5)
    assert not at.exception and not at.error
    after = recommended(at)
    assert all(a != p for a, p in zip(after, popular))
    shown = {title.removeprefix("🆕 ") for titles in after for title in titles}
    assert not shown & {"Toy Story (1995)", "Empire Strikes Back, The (1980)", "Star Wars (1977)"}
    assert "Return of the Jedi (1983)" in shown  # what anyone who loves the other two is shown
    assert at.query_params["rated"] == "0:5,171:5,49:5"
    assert STRINGS["en"]["rec.your_ratings"].format(n=3) in [e.label for e in at.expander]
    # forgetting a rating takes it out of the list and the link
    at.button(key="rec_forget_171").click().run()
    assert at.query_params["rated"] == "0:5,49:5"


def test_a_link_s_ratings_are_taken_and_hostile_ones_said():
    at = open_recommendation({"rated": "0:5,49:5,../../etc/passwd,99999:3,3:9", "movie": "<script>"})
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    assert STRINGS["en"]["rec.bad_rated"] in warnings
    assert any("<script>" in w and "movie" in w for w in warnings)
    assert not any(i.value == STRINGS["en"]["rec.nothing_rated"] for i in at.info)
    assert STRINGS["en"]["rec.your_ratings"].format(n=2) in [e.label for e in at.expander]


def test_a_movie_from_the_link_shows_its_neighbours_and_the_users_the_model_expects_to_like_it():
    at = open_recommendation({"movie": "49"})
    assert not at.exception
    assert "Star Wars (1977)" in [h.value for h in at.subheader]
    neighbours = [t for t in at.table if STRINGS["en"]["rec.col_similarity"] in t.value.columns]
    assert len(neighbours) == 1 and "Star Wars (1977)" not in list(neighbours[0].value[STRINGS["en"]["rec.col_movie"]])
    similarity = [float(s) for s in neighbours[0].value[STRINGS["en"]["rec.col_similarity"]]]
    assert similarity == sorted(similarity, reverse=True)


def test_the_page_speaks_chinese():
    at = open_recommendation({"lang": "zh"})
    assert not at.exception and not at.error
    assert at.title[0].value == STRINGS["zh"]["rec.title"]
    assert any(i.value == STRINGS["zh"]["rec.nothing_rated"] for i in at.info)
    assert [tab.label for tab in at.tabs] == [STRINGS["zh"][f"rec.part.{p}"] for p in ("tastes", "map", "learned")]


@pytest.fixture
def zoo(tmp_path, monkeypatch):
    """A copy of the shipped MNIST zoo as the shipped one (EXPLORER_PRETRAINED), the caches forgotten before and after."""
    copy = tmp_path / "pretrained"
    shutil.copytree(SHIPPED.parent / "mnist", copy / "mnist")
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(copy))
    clear_streamlit_caches()
    yield copy
    clear_streamlit_caches()


def test_a_damaged_recommender_is_said_and_the_others_served(zoo, tmp_path):
    shutil.copytree(SHIPPED, zoo / "movielens-100k")
    (zoo / "movielens-100k" / "multdae-z200" / "recommendation.npz").write_bytes(b"PK\x03\x04 truncated")
    (zoo / "movielens-100k" / "multvae-z200" / "model.safetensors").write_bytes(b"")
    at = open_recommendation()
    assert not at.exception
    said = [e.value for e in at.error] + [w.value for w in at.warning]
    assert any("recommendation.npz" in s and "Mult-DAE" in s for s in said), said
    assert any("Mult-VAE" in s for s in said), said
    assert all(str(tmp_path) not in s for s in said)  # no server path for a visitor
    assert len(recommended(at)) == 1  # I-AutoRec's, still served


def test_without_movies_json_the_page_says_what_is_missing(zoo):
    at = open_recommendation()
    assert not at.exception
    assert any("movies.json" in e.value for e in at.error)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_tour_s_recommendation_step_draws_the_movie_map(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["step"] = "10"
    at.query_params["lang"] = lang
    at.run()
    at = at.switch_page("explorer_app/views/tour.py").run()
    assert not at.exception and not at.error
    assert STRINGS[lang]["tour.s10.title"] in [h.value for h in at.header]
    assert any(STRINGS[lang]["kind.autorec"] in list(t.value.iloc[:, 0]) for t in at.table)


def test_one_part_is_drawn_at_a_time_and_the_link_says_which():
    at = open_recommendation({"part": "learned"})
    assert not at.exception and not at.error
    assert at.query_params["part"] == "learned"
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(specs) == 1 and "RMSE" in specs[0]  # the learned part's one figure; the other parts not drawn
    assert recommended(at) == []
    assert {"I-AutoRec · z500", "Mult-VAE · z200"} <= set(at.table[0].value[STRINGS["en"]["rec.col_model"]])
    hostile = open_recommendation({"part": "../../etc"})
    assert any("../../etc" in w.value and "part" in w.value for w in hostile.warning)
    assert len(recommended(hostile)) == 3 and hostile.query_params["part"] == "tastes"


def test_each_recommender_has_its_card_with_the_command_that_trains_it_again():
    at = open_recommendation({"part": "learned"})
    assert not at.exception and not at.error
    cards = [e.label for e in at.expander]
    assert cards == ["I-AutoRec · z500", "Mult-DAE · z200", "Mult-VAE · z200"]
    commands = [c.value for c in at.code]
    assert commands[0] == ("python -m explorer.train --dataset movielens-100k --model autorec --latent-dim 500 "
                           "--bottleneck 10,20,50,100,200,300")
    assert commands[2] == "python -m explorer.train --dataset movielens-100k --model multvae --latent-dim 200"
    assert any("λ = 300" in m.value for m in at.markdown)  # I-AutoRec's loss, as it was trained
    assert len(at.get("plotly_chart")) == 1  # a card's curves are drawn only once it is opened
