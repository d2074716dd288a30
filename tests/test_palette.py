"""The classes are told apart by more than colour, and their colours stay apart for colour-blind eyes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from explorer.present.figures import CLASS_COLOURS, CLASS_SYMBOLS, latent_map_figure, map_backdrop_figure

# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", severity 1.0: linear-RGB matrices of protanopia, deuteranopia and tritanopia.
DEFICIENCIES = {
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 10.0  # CIEDE2000: about 2 is a just-noticeable difference; 10 tells two small markers apart


def as_rgb(colours) -> np.ndarray:
    return np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])


def seen(rgb: np.ndarray, vision: str) -> np.ndarray:
    if vision == "normal":
        return rgb
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    simulated = np.clip(linear @ np.array(DEFICIENCIES[vision]).T, 0, 1)
    return np.where(simulated <= 0.0031308, simulated * 12.92, 1.055 * simulated ** (1 / 2.4) - 0.055)


def closest_pair(rgb: np.ndarray, vision: str) -> float:
    lab = rgb2lab(seen(rgb, vision)[None])[0]
    return min(float(deltaE_ciede2000(lab[i], lab[j])) for i in range(len(lab)) for j in range(i + 1, len(lab)))


@pytest.mark.parametrize("vision", ["normal", "protan", "deutan", "tritan"])
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
