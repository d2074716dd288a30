"""Maps of many points: the WebGL chart's preparation (explorer.present.many_points, explorer_app.points_chart), the
map page drawing a large map with it, and UMAP of many codes in linear time (explorer.analysis.project)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis.project import faithfulness, subsample, umap_project
from explorer.present.figures import CLASS_COLOURS
from explorer.present.many_points import (
    checked_view,
    density_picture,
    points_in_view,
    square_bounds,
    thumbnail_sheet,
    to_unit_square,
)
from tests.conftest import components_named

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def clusters(n: int, dims: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(scale=6, size=(10, dims))
    return (centres[labels] + rng.normal(size=(n, dims))).astype(np.float32), labels


# --- the chart's square, density and views ---------------------------------------------------------------------


def test_the_points_fill_the_unit_square_and_keep_their_shape():
    xy = np.array([[10.0, 5.0], [14.0, 5.0], [12.0, 6.0]])  # 4 wide, 1 high
    unit = to_unit_square(xy, square_bounds(xy))
    assert unit.dtype == np.float32 and np.abs(unit).max() < 1
    assert unit[:, 0].min() < -0.9 and unit[:, 0].max() > 0.9  # the wider axis spans the square
    width, height = np.ptp(unit[:, 0]), np.ptp(unit[:, 1])
    assert width / height == pytest.approx(4.0, rel=1e-5)  # one scale for both axes


def test_a_map_of_one_point_is_placed_without_dividing_by_zero():
    unit = to_unit_square(np.array([[3.0, 3.0]]), square_bounds(np.array([[3.0, 3.0]])))
    assert np.isfinite(unit).all() and np.allclose(unit, 0)


def test_the_density_counts_every_point_in_the_colour_of_its_commonest_class():
    unit = np.array([[-0.99, 0.99]] * 3 + [[-0.99, 0.99]] + [[0.5, -0.5]], dtype=np.float32)
    labels = np.array([2, 2, 2, 7, 4])
    picture = density_picture(unit, labels, pixels=8)
    assert picture.shape == (8, 8, 4) and picture.dtype == np.uint8
    colour = [int(CLASS_COLOURS[2][i : i + 2], 16) for i in (1, 3, 5)]
    assert list(picture[0, 0, :3]) == colour  # top left: three of class 2, one of class 7
    assert picture[0, 0, 3] > picture[6, 6, 3] > 0  # more points, more opaque
    assert (picture[..., 3] > 0).sum() == 2  # nothing where there is no point


def test_the_points_in_a_view_are_all_of_them_up_to_the_limit_else_a_seeded_sample():
    unit, _ = clusters(5000)
    unit = to_unit_square(unit, square_bounds(unit))
    everything, inside = points_in_view(unit, None, 10_000)
    assert inside == 5000 and np.array_equal(everything, np.arange(5000))
    view = (-0.5, 0.2, -0.3, 0.6)
    rows, inside = points_in_view(unit, view, 10_000)
    x, y = unit[:, 0], unit[:, 1]
    expected = np.flatnonzero((x >= -0.5) & (x <= 0.2) & (y >= -0.3) & (y <= 0.6))
    assert inside == len(expected) and np.array_equal(rows, expected)
    sample, inside_again = points_in_view(unit, view, 50, seed=3)
    assert inside_again == inside and len(sample) == 50 and set(sample) <= set(expected)
    assert np.array_equal(sample, np.sort(sample)) and np.array_equal(sample, points_in_view(unit, view, 50, seed=3)[0])


@pytest.mark.parametrize("value", [
    None, "view", {"x0": 0, "x1": 1, "y0": 0}, {"x0": 0, "x1": 1, "y0": 0, "y1": math.nan},
    {"x0": 0, "x1": 1, "y0": 0, "y1": "1"}, {"x0": True, "x1": 1, "y0": 0, "y1": 1},
    {"x0": 1, "x1": 0, "y0": 0, "y1": 1}, {"x0": 0, "x1": 1, "y0": 0, "y1": 0}, {"x0": 0, "x1": 1e300, "y0": 0, "y1": 1},
])
def test_a_view_a_browser_should_not_send_is_refused(value):
    assert checked_view(value) is None


def test_a_view_as_a_browser_sends_it_is_kept():
    assert checked_view({"event": "view", "x0": -0.5, "x1": 0.25, "y0": -1, "y1": 1, "n": 3}) == (-0.5, 0.25, -1.0, 1.0)


def test_the_thumbnail_sheet_puts_image_k_in_row_k_over_columns():
    images = np.stack([np.full((4, 4), k, dtype=np.uint8) for k in range(7)])
    sheet = thumbnail_sheet(images, columns=3)
    assert sheet.shape == (12, 12)
    assert sheet[4 * 2, 4 * 0] == 6 and sheet[4 * 1, 4 * 2] == 5 and sheet[0, 4] == 1


# --- UMAP of many codes -------------------------------------------------------------------------------------------


def test_umap_of_more_codes_than_it_fits_places_the_rest_among_the_fitted_ones():
    z, labels = clusters(1500, dims=8, seed=1)
    done = []
    whole_map = umap_project(z, seed=0, fit_at_most=500, progress=lambda d, n: done.append((d, n)))
    assert whole_map.xy.shape == (1500, 2) and np.isfinite(whole_map.xy).all()
    assert whole_map.params["fitted_on"] == 500 and whole_map.params["placed"] == 1000
    assert done and done[-1][0] == done[-1][1]
    fitted_rows = subsample(1500, 500, 0)
    fitted_alone = umap_project(z[fitted_rows], seed=0)
    assert np.allclose(whole_map.xy[fitted_rows], fitted_alone.xy)  # the sample is where its own fit puts it
    # each placed point lands among its own class: its nearest fitted point on the map shares its class mostly
    placed = np.setdiff1d(np.arange(1500), fitted_rows)
    d = ((whole_map.xy[placed, None, :] - whole_map.xy[None, fitted_rows, :]) ** 2).sum(-1)
    same = labels[fitted_rows][d.argmin(axis=1)] == labels[placed]
    assert same.mean() > 0.9
    assert faithfulness(z, whole_map.xy)["trustworthiness"] > 0.85


# --- the map page ----------------------------------------------------------------------------------------------


def open_map(params: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def drawn_points(at: AppTest) -> tuple[dict, dict]:
    [chart] = components_named(at, "points_chart")
    return json.loads(chart.proto.json_args), {s.key: s.bytes for s in chart.proto.special_args}


def test_a_map_larger_than_plotly_draws_is_drawn_whole_by_the_points_chart(fake_pretrained, monkeypatch):
    monkeypatch.setattr("explorer.analysis.project.MAX_DRAWN_POINTS", 100)  # the synthetic zoo's 300 points are "many"
    at = open_map({"dataset": "mnist", "model": "vae-z4"}, {"thumbnails": True, "n_thumbnails": 50})
    assert not at.exception, at.exception
    args, binary = drawn_points(at)
    assert len(binary["x"]) == len(binary["y"]) == 300 * 4 and len(binary["labels"]) == 300
    assert sorted(np.frombuffer(binary["indices"], dtype=np.int32)) == list(range(300))  # every point, unsampled
    labels = np.load(fake_pretrained / "mnist" / "test.npz", allow_pickle=False)["labels"]
    indices = np.frombuffer(binary["indices"], dtype=np.int32)
    assert np.array_equal(np.frombuffer(binary["labels"], dtype=np.uint8), labels[indices])
    x = np.frombuffer(binary["x"], dtype=np.float32)
    assert np.abs(x).max() <= 1
    assert not args["lod"] and "density_png" not in binary
    assert len(args["thumbs"]["points"]) == 50 and binary["thumbs_png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert any("Every one of its 300 points is drawn" in c.value for c in at.caption)


def test_the_page_marks_its_selection_and_prior_samples_on_the_points_chart(fake_pretrained, monkeypatch):
    monkeypatch.setattr("explorer.analysis.project.MAX_DRAWN_POINTS", 100)
    at = open_map({"dataset": "mnist", "model": "vae-z4", "sel": "7,11"}, {"prior_on_map": True})
    assert not at.exception, at.exception
    args, binary = drawn_points(at)
    indices = np.frombuffer(binary["indices"], dtype=np.int32)
    assert sorted(indices[args["selected"]]) == [7, 11]
    assert [len(mark["x"]) for mark in args["marks"]] == [1000, 1000]


def test_a_map_larger_than_a_browser_holds_sends_its_density_and_the_points_under_the_view(fake_pretrained,
                                                                                            monkeypatch):
    monkeypatch.setattr("explorer.analysis.project.MAX_DRAWN_POINTS", 100)
    monkeypatch.setattr("explorer_app.points_chart.MAX_WEBGL_POINTS", 120)
    at = open_map({"dataset": "mnist", "model": "vae-z4"})
    assert not at.exception, at.exception
    args, binary = drawn_points(at)
    assert args["lod"] and binary["density_png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert len(binary["x"]) == 120 * 4  # a sample of the whole view, said in the chart and the caption
    assert "120 of the 300 points in view" in args["strings"]["count"]
    assert any("the density of all 300 points" in c.value for c in at.caption)
    # the view the browser settled on: only the points inside it are sent, all of them when few enough
    at.session_state["map_points_view"] = (-1.0, 0.0, -1.0, 0.0)
    at.run()
    args, binary = drawn_points(at)
    x, y = np.frombuffer(binary["x"], dtype=np.float32), np.frombuffer(binary["y"], dtype=np.float32)
    assert 0 < len(x) < 120 and (x <= 0).all() and (y <= 0).all()
    assert f"All {len(x)} points in view drawn (of 300)" in args["strings"]["count"]


def test_presenter_mode_draws_the_points_larger_for_a_projector(fake_pretrained, monkeypatch):
    monkeypatch.setattr("explorer.analysis.project.MAX_DRAWN_POINTS", 100)
    plain, _ = drawn_points(open_map({"dataset": "mnist", "model": "vae-z4"}))
    presenting, _ = drawn_points(open_map({"dataset": "mnist", "model": "vae-z4", "present": "1"}))
    assert not plain["projector"] and presenting["projector"]
    assert presenting["point_size"] == pytest.approx(1.8 * plain["point_size"])


def test_maps_compared_side_by_side_are_each_drawn_whole(fake_pretrained, monkeypatch):
    monkeypatch.setattr("explorer.analysis.project.MAX_DRAWN_POINTS", 100)
    at = open_map({"dataset": "mnist", "model": "vae-z4", "compare": "ae-z2"})  # the fake zoo: a map of its own
    assert not at.exception, at.exception
    charts = components_named(at, "points_chart")
    assert len(charts) == 2
    first, second = ({s.key: s.bytes for s in c.proto.special_args} for c in charts)
    assert len(first["x"]) == len(second["x"]) == 300 * 4 and first["x"] != second["x"]  # two maps, every point

