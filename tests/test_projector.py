"""Presenter mode is projector-ready: the charts' text, markers and lines grow with the page's type, and the
pictures and captions keep full contrast (explorer.present.figures.for_projector, explorer_app.widgets)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.present.figures import PROJECTOR_FONT, for_projector, latent_map_figure
from explorer_app.widgets import PRESENTER_CSS
from tests.conftest import chart_specs, map_chart_data, map_charts
from tests.test_damaged_files import PAGES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_a_figure_for_the_projector_has_larger_text_markers_and_lines_and_the_original_is_kept():
    xy, labels = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 5
    fig = latent_map_figure(xy, labels, [f"c{c}" for c in range(5)], np.arange(50))
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"width": 2}, name="path")
    projected = for_projector(fig)
    assert projected.layout.font.size == PROJECTOR_FONT and projected.layout.legend.font.size == PROJECTOR_FONT
    assert all(trace.marker.size >= 7 for trace in projected.data[:5])
    assert projected.data[-1].line.width >= 3
    assert fig.layout.font.size is None and fig.data[0].marker.size == 4.0  # the page's own figure is untouched


def open_map(present: bool) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"dataset": "mnist", "model": "vae-z16", **({"present": "1"} if present else {})})
    return at.run()


def test_presenter_mode_draws_the_map_for_the_projector_and_the_usual_page_does_not(fake_pretrained):
    usual, presented = open_map(False), open_map(True)
    assert not usual.exception and not presented.exception
    sizes = {}
    for name, at in (("usual", usual), ("presented", presented)):
        figure = json.loads(map_chart_data(map_charts(at)[0])["spec"])
        sizes[name] = min(trace["marker"]["size"] for trace in figure["data"] if trace.get("showlegend", True))
        sizes[name + " font"] = figure["layout"].get("font", {}).get("size")
    assert sizes["presented"] >= 1.8 * sizes["usual"] and sizes["presented font"] == PROJECTOR_FONT
    assert sizes["usual font"] is None
    assert any(PRESENTER_CSS in h.proto.body for h in presented.get("html"))


def test_presenter_mode_draws_every_other_chart_for_the_projector(fake_pretrained):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"dataset": "mnist", "model": "vae-z16", "present": "1"})
    at.run()
    at.switch_page("explorer_app/views/anomaly.py").run()
    assert not at.exception
    specs = [json.loads(spec) for spec in chart_specs(at)]
    assert specs and all(spec["layout"]["font"]["size"] == PROJECTOR_FONT for spec in specs)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_draws_in_presenter_mode(fake_pretrained, page):
    """for_projector meets every kind of chart the pages draw (bars, histograms, heat maps, subplots)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"dataset": "mnist", "model": "vae-z16", "present": "1"})
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.stack_trace for e in at.exception]
    specs = [json.loads(spec) for spec in chart_specs(at)]
    assert all(spec["layout"]["font"]["size"] == PROJECTOR_FONT for spec in specs), page
