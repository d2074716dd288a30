"""What a user takes away: CSV of the map, codes as .npy, figures as PNG / SVG, the interpolation as a GIF."""

from __future__ import annotations

import io
import os

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from explorer.present.exports import array_npy, figure_bytes, figure_export_available, gif_bytes, map_csv, read_map_csv


def test_the_map_csv_reads_back_to_the_same_coordinates():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(50, 2)).astype(np.float32) * 7
    indices = rng.permutation(200)[:50]
    labels = rng.integers(0, 3, size=200)
    data = map_csv(xy, indices, labels, ["cat", "dog, the good one", "ant"])
    back_indices, back_xy = read_map_csv(data)
    assert np.array_equal(back_indices, indices)
    assert np.allclose(back_xy, xy, rtol=1e-5)
    assert data.splitlines()[0] == b"index,label,class,x,y"
    assert b'"dog, the good one"' in data  # a comma inside a class name is quoted, not a new column


def test_a_3d_map_has_three_coordinates():
    xy = np.arange(12, dtype=np.float32).reshape(4, 3)
    _, back = read_map_csv(map_csv(xy, np.arange(4), np.zeros(4, int), ["a"]))
    assert back.shape == (4, 3) and np.allclose(back, xy)


def test_codes_npy_loads_without_pickle():
    codes = np.random.default_rng(1).normal(size=(10, 16)).astype(np.float32)
    back = np.load(io.BytesIO(array_npy(codes)), allow_pickle=False)
    assert back.dtype == np.float32 and np.array_equal(back, codes)


@pytest.mark.parametrize("shape", [(5, 1, 8, 8), (5, 3, 8, 8)])
def test_the_gif_holds_the_frames_forward_and_back(shape):
    frames = np.random.default_rng(2).uniform(size=shape).astype(np.float32)
    gif = Image.open(io.BytesIO(gif_bytes(frames, scale=3)))
    assert gif.format == "GIF" and gif.size == (24, 24)
    assert gif.n_frames == 2 * shape[0] - 2  # 0 1 2 3 4 3 2 1, then it loops
    if shape[1] == 1:  # grey frames keep their levels: the fifth frame is the last image
        gif.seek(4)
        shown = np.asarray(gif.convert("L"))[::3, ::3].astype(int)
        assert np.abs(shown - np.round(frames[4, 0] * 255)).max() <= 1


@pytest.mark.slow
def test_figures_are_drawn_to_png_and_svg():
    if not figure_export_available():
        (pytest.fail if os.environ.get("CI") else pytest.skip)("no Chrome or Chromium for Kaleido")
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[2, 0, 1]), layout={"title": "a title"})
    png = figure_bytes(fig, "png", width=300, height=200)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(png)).size == (600, 400)  # scale 2
    svg = figure_bytes(fig, "svg", width=300, height=200)
    assert svg.lstrip().startswith(b"<svg") and b"a title" in svg
    with pytest.raises(ValueError):
        figure_bytes(fig, "pdf")
