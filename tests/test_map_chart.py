"""The latent map's chart component (explorer_app/map_chart): what it accepts back from a browser."""

import math

import pytest

from explorer_app.map_chart import selected_points


def select(points, n=1):
    return {"event": "select", "points": points, "n": n}


def test_a_selection_event_gives_its_indices_sorted_and_once():
    assert selected_points(select([42, 7, 42, 0]), n_images=100, limit=200) == [0, 7, 42]
    assert selected_points(select([]), n_images=100, limit=200) == []


@pytest.mark.parametrize("value", [
    None, "42", 42, [42], {"event": "fix", "points": [1]}, {"event": "select"}, {"event": "select", "points": "1,2"},
    {"event": "select", "points": {"0": 1}},
])
def test_what_is_no_selection_event_selects_nothing(value):
    assert selected_points(value, n_images=100, limit=200) == []


def test_values_a_browser_should_not_send_are_dropped_and_the_rest_kept():
    hostile = [3, -1, 100, 10**12, 2.5, math.nan, True, "5", None, [6], {"x": 1}, 99]
    assert selected_points(select(hostile), n_images=100, limit=200) == [3, 99]


def test_a_selection_is_cut_to_the_limit():
    assert selected_points(select(list(range(500))), n_images=1000, limit=200) == list(range(200))
