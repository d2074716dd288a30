"""The classes are told apart by more than colour, and their colours stay apart for colour-blind eyes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.present.colour_vision import VISIONS, as_rgb, closest_pair
from explorer.present.figures import CLASS_COLOURS, CLASS_SYMBOLS, latent_map_figure, map_backdrop_figure

MIN_DELTA_E = 10.0  # CIEDE2000: about 2 is a just-noticeable difference; 10 tells two small markers apart


@pytest.mark.parametrize("vision", VISIONS)
def test_every_pair_of_class_colours_stays_apart(vision):
    assert len(CLASS_COLOURS) == 10
    assert closest_pair(as_rgb(CLASS_COLOURS), vision) >= MIN_DELTA_E


def test_the_earlier_palette_would_fail_the_same_measure():
    """The measure tells palettes apart: Tableau 10 has two classes that deuteranopes see as one."""
    tableau = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
               "#bab0ac")
    assert closest_pair(as_rgb(tableau), "deutan") < 2.0


def test_the_map_and_its_legend_give_each_class_a_colour_and_a_symbol_of_its_own():
    rng = np.random.default_rng(0)
    xy, labels = rng.normal(size=(200, 2)), np.arange(200) % 10
    names = [f"class {c}" for c in range(10)]
    assert len(set(CLASS_SYMBOLS)) == 10
    for fig in (latent_map_figure(xy, labels, names, np.arange(200)), map_backdrop_figure(xy, labels, names,
                                                                                         np.arange(200))):
        traces = [t for t in json.loads(fig.to_json())["data"] if t.get("name") in names]
        assert [t["name"] for t in traces] == names
        assert [(t["marker"]["color"], t["marker"]["symbol"]) for t in traces] == list(zip(CLASS_COLOURS, CLASS_SYMBOLS))
