"""Attribute vectors: the maths (plain functions) and the page (AppTest)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.analysis.attributes import analogy, attribute_vector, projection, separation, stability, walk


def test_the_vector_of_two_identical_groups_is_zero():
    codes = np.random.default_rng(0).normal(size=(40, 6))
    vector = attribute_vector(codes, codes.copy())
    assert np.allclose(vector, 0)
    assert np.allclose(projection(codes, vector), 0)


def test_the_vector_points_from_a_to_b_and_separates_them():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 4))
    b = rng.normal(size=(200, 4)) + np.array([3.0, 0, 0, 0])
    vector = attribute_vector(a, b)
    assert vector[0] == pytest.approx(3.0, abs=0.3) and np.abs(vector[1:]).max() < 0.3
    assert separation(a, b, vector) > 0.95
    assert separation(b, a, attribute_vector(b, a)) > 0.95
    assert stability(a, b) > 0.95
    mixed = rng.normal(size=(200, 4))
    assert separation(a, mixed, attribute_vector(a, mixed)) < 0.7
    assert stability(a, mixed) < 0.5  # no direction to speak of: halves disagree


def test_a_walk_starts_at_the_code_and_moves_by_alpha_times_v():
    code, vector = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    path = walk(code, vector, [0.0, 1.0, -2.0])
    assert np.allclose(path, [[1, 2], [1.5, 1.0], [0.0, 4.0]])


def test_an_analogy_is_a_minus_b_plus_c():
    assert np.allclose(analogy(np.array([3.0, 1]), np.array([1.0, 1]), np.array([0.0, 5])), [2, 5])


@pytest.mark.parametrize("source", ["classes", "selections"])
def test_the_page_draws_the_vector_for_every_chosen_model(fake_pretrained, source):
    from tests.test_app import open_page

    at = open_page("explorer_app/views/attributes.py", {"sel": "1,2,3,4"} if source == "selections" else None)
    at.radio(key="attr_source").set_value(source).run()
    if source == "selections":
        at.button(key="attr_take_a").click().run()
        assert not at.get("plotly_chart")  # B is still empty
        at.button(key="attr_take_b").click().run()  # the same images: a zero vector, said as such
    assert not at.exception
    figures = at.get("plotly_chart")
    assert len(figures) == len(at.multiselect(key="attr_models").value) >= 1
    assert any("stability" in c.value for c in at.caption)
