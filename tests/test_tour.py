"""The tour, headless (AppTest): every step in both languages on the shipped zoo, the step in the URL
validated, next and previous with their presets, a zoo without a step's models, and a room that the
audience follows while only the presenter's secret moves it."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.present.i18n import LANGUAGES, STRINGS, set_language
from tests.conftest import clear_streamlit_caches

APP = str(Path(__file__).resolve().parent.parent / "app.py")
N_STEPS = 11


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def a_theatre_run(tmp_path, monkeypatch):
    """Step 10 shows a run of the training theatre: one, as its worker leaves it."""
    from tests.conftest import write_theatre_run

    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(tmp_path / "zoo"))
    write_theatre_run(tmp_path / "zoo")


def open_tour(params: dict, lang: str = "en") -> AppTest:
    set_language(lang)  # AppTest formats widget values in this thread: in the page's language
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"lang": lang, **params}.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("explorer_app/views/tour.py").run()


def heading(at: AppTest) -> str:
    return at.header[0].value


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("step", range(1, N_STEPS + 1))
def test_every_step_renders_on_the_shipped_zoo_in_every_language(step, lang):
    at = open_tour({"step": str(step)}, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert heading(at) == STRINGS[lang][f"tour.s{step}.title"]
    assert not at.error and not at.info, [m.value for m in [*at.error, *at.info]]  # every model it needs ships
    assert at.query_params["step"] == str(step)
    shown = len(at.get("plotly_chart")) + len(at.get("imgs")) + len(at.get("image")) + len(at.table)
    assert shown > 0  # a live view, not only text


@pytest.mark.parametrize("raw", ["0", "12", "-1", "2.5", "abc", "٣", "9" * 50, "<script>", ""])
def test_a_step_that_is_not_one_starts_at_step_1_with_a_notice(raw):
    at = open_tour({"step": raw})
    assert not at.exception
    assert heading(at) == STRINGS["en"]["tour.s1.title"] and at.query_params["step"] == "1"
    assert any("not a step of this tour" in w.value for w in at.warning)


def test_next_and_previous_turn_the_page_and_set_the_steps_presets():
    at = open_tour({"step": "2"})
    at.radio(key="tour_size").set_value(2).run()
    assert at.radio(key="tour_size").value == 2
    at.button(key="tour_next").click().run()
    assert heading(at) == STRINGS["en"]["tour.s3.title"] and at.query_params["step"] == "3"
    assert at.slider(key="tour_level").value == 0.5
    at.button(key="tour_prev").click().run()
    assert heading(at) == STRINGS["en"]["tour.s2.title"] and at.query_params["step"] == "2"
    assert at.radio(key="tour_size").value == 16  # back at the step's preset, not where it was left


def test_the_first_and_last_steps_cannot_go_further():
    assert open_tour({"step": "1"}).button(key="tour_prev").disabled
    assert open_tour({"step": str(N_STEPS)}).button(key="tour_next").disabled


def test_the_theatre_step_without_a_run_offers_to_start_the_tour_s_run(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_THEATRE_ZOO", str(tmp_path / "empty"))
    at = open_tour({"step": "11"})
    assert not at.exception
    assert at.button(key="tour_theatre_start").label == STRINGS["en"]["tour.theatre_start"]
    assert any(i.value == STRINGS["en"]["tour.theatre_none"] for i in at.info)


def test_a_room_s_run_that_is_not_a_run_id_is_not_taken():
    from explorer_app.views.tour import accepted

    assert accepted("tour_run", "20261204-120000-abc123", "", 100) == "20261204-120000-abc123"
    for hostile in ("../../etc", "20261204-120000-abc123/..", 7):
        assert accepted("tour_run", hostile, "", 100) is None
    assert accepted("tour_epoch", 3, 0, 100) == 3 and accepted("tour_epoch", -1, 0, 100) is None


def test_a_zoo_without_a_steps_models_says_which_are_missing(fake_pretrained):
    at = open_tour({"step": "3"})
    assert not at.exception
    assert any("dae-z16" in i.value and "ae-z16" in i.value for i in at.info)


def test_the_reparameterisation_follows_epsilon():
    at = open_tour({"step": "5"})
    before = [m.value for m in at.markdown if m.value.startswith("z = μ + σ·ε")]
    at.slider(key="tour_eps1").set_value(-2.0).run()
    after = [m.value for m in at.markdown if m.value.startswith("z = μ + σ·ε")]
    assert before and after and before != after and "(-2.00, -0.50)" in after[0]


# --- rooms -----------------------------------------------------------------------------------


def start_room() -> tuple[AppTest, str, str]:
    clear_streamlit_caches()
    presenter = open_tour({"step": "1"})
    presenter.button(key="room_start").click().run()
    assert not presenter.exception
    room_id, secret = presenter.query_params["room"], presenter.query_params["key"]
    assert presenter.query_params["present"] == "1"
    links = [c.value for c in presenter.code]
    assert any(f"room={room_id}" in link and secret not in link for link in links)  # the audience's link
    assert any(f"key={secret}" in link for link in links)  # the presenter's
    return presenter, room_id, secret


def test_the_audience_follows_the_presenters_step_and_values():
    presenter, room_id, _ = start_room()
    audience = open_tour({"room": room_id})
    assert heading(audience) == STRINGS["en"]["tour.s1.title"]
    assert audience.button(key="tour_next").disabled  # the presenter turns the pages
    presenter.button(key="tour_next").click().run()
    presenter.button(key="tour_next").click().run()
    presenter.slider(key="tour_level").set_value(0.8).run()
    audience.run()  # what the once-a-second check does when the room has moved
    assert heading(audience) == STRINGS["en"]["tour.s3.title"]
    assert audience.slider(key="tour_level").value == 0.8
    assert "key" not in audience.query_params


def test_an_audience_member_can_leave_and_come_back():
    presenter, room_id, _ = start_room()
    audience = open_tour({"room": room_id})
    audience.toggle(key="tour_follow").set_value(False).run()
    audience.button(key="tour_next").click().run()
    presenter.button(key="tour_next").click().run()
    presenter.button(key="tour_next").click().run()
    presenter.button(key="tour_next").click().run()
    audience.run()
    assert heading(audience) == STRINGS["en"]["tour.s2.title"]  # on their own
    audience.toggle(key="tour_follow").set_value(True).run()
    assert heading(audience) == STRINGS["en"]["tour.s4.title"]  # back with the room


def test_a_wrong_secret_cannot_move_the_room_and_is_told_so():
    presenter, room_id, secret = start_room()
    intruder = open_tour({"room": room_id, "key": secret[:-2] + "xx", "step": "7"})
    assert any("cannot move the room" in w.value for w in intruder.warning)
    assert heading(intruder) == STRINGS["en"]["tour.s1.title"]  # it follows the room instead
    assert "key" not in intruder.query_params
    intruder.toggle(key="tour_follow").set_value(False).run()
    intruder.button(key="tour_next").click().run()
    intruder.button(key="tour_next").click().run()
    presenter.run()
    audience = open_tour({"room": room_id})
    assert heading(audience) == STRINGS["en"]["tour.s1.title"]


@pytest.mark.parametrize("room", ["no-such-room", "<script>", "x" * 100])
def test_an_unknown_room_says_so_and_leaves_the_tour_free(room):
    at = open_tour({"room": room, "step": "4"})
    assert not at.exception
    assert any("has ended" in w.value for w in at.warning) or "room" not in at.query_params
    assert heading(at) == STRINGS["en"]["tour.s4.title"]
    assert not at.button(key="tour_next").disabled


def presenter_css(at: AppTest) -> bool:
    return any("font-size: 22px" in h.proto.body for h in at.get("html"))


def test_presenter_mode_from_the_link_is_kept_and_can_be_turned_off():
    at = open_tour({"present": "1", "step": "2"})
    assert not at.exception
    assert presenter_css(at) and at.query_params["present"] == "1"
    assert not at.title  # on a projector the step's own title is the heading
    at.switch_page("explorer_app/views/sample.py").run()  # and on every page
    assert presenter_css(at) and at.query_params["present"] == "1"
    at.toggle(key="presenting").set_value(False).run()
    assert not presenter_css(at) and "present" not in at.query_params


@pytest.mark.parametrize("value", ["0", "yes", "<b>", ""])
def test_anything_but_present_1_is_the_ordinary_layout(value):
    at = open_tour({"present": value})
    assert not presenter_css(at) and "present" not in at.query_params and at.title


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_step_the_presenter_shows_becomes_the_room_s_view(lang):
    import gzip
    import json

    from explorer_app.room_routes import registry

    clear_streamlit_caches()
    presenter = open_tour({"step": "1"}, lang)
    presenter.button(key="room_start").click().run()
    room_id = presenter.query_params["room"]
    for step in range(1, N_STEPS + 1):
        if step > 1:
            presenter.button(key="tour_next").click().run()
        assert not presenter.exception, [e.value for e in presenter.exception]
        view = registry().view(room_id)
        document = json.loads(gzip.decompress(view.gzipped))
        assert (document["step"], document["total"], document["lang"]) == (step, N_STEPS, lang)
        text = json.dumps(document, ensure_ascii=False)
        assert STRINGS[lang][f"tour.s{step}.title"] in text  # the step's heading, in the presenter's language
        shown = [n.get("el") for n in _nodes(document["nodes"])]
        assert shown.count("heading") >= 1 and any(k in shown for k in ("plotly", "images", "table", "alert")), shown


def _nodes(nodes):
    for node in nodes:
        yield node
        yield from _nodes(node.get("children", []))
