import numpy as np
import plotly.graph_objects as go
import pytest

from explorer.figures import CLASS_COLOURS, add_thumbnails, latent_map_figure
from explorer.images import grid, png_bytes, to_uint8
from explorer.project import (
    LatentMap,
    MapUnavailable,
    latent_plane_map,
    load_map,
    map_cache_key,
    map_cache_path,
    nearest_points,
    save_map,
    subsample,
    umap_project,
)


def test_map_round_trip_without_pickle(tmp_path):
    m = LatentMap(xy=np.random.rand(50, 2), indices=np.arange(50) * 2, method="umap", params={"seed": 3})
    path = save_map(tmp_path / "m" / "map.npz", m)
    loaded = load_map(path)
    assert np.array_equal(loaded.xy, m.xy.astype(np.float32)) and np.array_equal(loaded.indices, m.indices)
    assert loaded.method == "umap" and loaded.params == {"seed": 3}


def test_broken_map_files_raise_a_clear_error(tmp_path):
    with pytest.raises(MapUnavailable, match="missing"):
        load_map(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(MapUnavailable, match="damaged or truncated"):
        load_map(tmp_path / "bad.npz")
    with pytest.raises(ValueError):
        LatentMap(xy=np.zeros((5, 3)), indices=np.arange(5), method="umap")


def test_latent_plane_map_uses_the_codes():
    z = np.random.rand(10, 2).astype(np.float32)
    m = latent_plane_map(z)
    assert np.array_equal(m.xy, z) and m.method == "latent" and list(m.indices) == list(range(10))
    with pytest.raises(ValueError):
        latent_plane_map(np.zeros((10, 3)))


def test_subsample_is_seeded_sorted_and_complete_when_asked_for_all():
    a = subsample(1000, 100, seed=1)
    assert len(a) == 100 and len(set(a)) == 100 and np.all(np.diff(a) > 0)
    assert np.array_equal(a, subsample(1000, 100, seed=1))
    assert not np.array_equal(a, subsample(1000, 100, seed=2))
    assert np.array_equal(subsample(10, 50), np.arange(10))


def test_cache_key_changes_with_each_parameter_and_the_weights(tmp_path):
    base = map_cache_key("w1", 1000, 15, 0.1, 0)
    others = [map_cache_key("w2", 1000, 15, 0.1, 0), map_cache_key("w1", 2000, 15, 0.1, 0),
              map_cache_key("w1", 1000, 30, 0.1, 0), map_cache_key("w1", 1000, 15, 0.2, 0),
              map_cache_key("w1", 1000, 15, 0.1, 1)]
    assert len({base, *others}) == 6
    assert base == map_cache_key("w1", 1000, 15, 0.1, 0)
    path = map_cache_path("mnist", "vae-z16", base, tmp_path)
    assert path.parent == tmp_path / "maps" / "mnist" / "vae-z16"


def test_umap_separates_two_clusters():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 0.1, (60, 8)), rng.normal(5, 0.1, (60, 8))]).astype(np.float32)
    m = umap_project(z, n_neighbors=10, min_dist=0.1, seed=0)
    assert m.xy.shape == (120, 2) and m.method == "umap"
    a, b = m.xy[:60].mean(0), m.xy[60:].mean(0)
    spread = max(m.xy[:60].std(0).max(), m.xy[60:].std(0).max())
    assert np.linalg.norm(a - b) > 3 * spread


def test_nearest_points():
    xy = np.array([[0, 0], [1, 1], [5, 5]], dtype=np.float32)
    assert list(nearest_points(xy, np.array([4.0, 4.0]), k=2)) == [2, 1]


def test_map_figure_has_a_trace_per_class_with_the_test_indices():
    labels = np.array([0, 1, 1, 2, 2, 2])
    xy = np.arange(12, dtype=np.float32).reshape(6, 2)
    indices = np.array([10, 11, 12, 13, 14, 15])
    fig = latent_map_figure(xy, labels, ["zero", "one", "two", "three"], indices)
    assert [tr.name for tr in fig.data] == ["zero", "one", "two"]  # no trace for an absent class
    assert all(isinstance(tr, go.Scattergl) for tr in fig.data)
    assert sum(len(tr.x) for tr in fig.data) == 6
    assert list(fig.data[2].customdata) == [13, 14, 15]
    assert fig.data[1].marker.color == CLASS_COLOURS[1]
    selected = latent_map_figure(xy, labels, ["zero", "one", "two"], indices, selected=[11, 15, 99])
    assert list(selected.data[-1].customdata) == [11, 15]


def test_class_names_are_escaped_in_hover_text():
    fig = latent_map_figure(np.zeros((1, 2)), np.array([0]), ["<b>x</b>"], np.array([0]))
    assert "<b>x" not in fig.data[0].hovertemplate


def test_thumbnails_are_drawn_at_their_points():
    xy = np.random.rand(20, 2).astype(np.float32)
    images = np.random.randint(0, 255, (20, 28, 28), dtype=np.uint8)
    fig = add_thumbnails(go.Figure(), xy, images, np.zeros(20, dtype=int), rows=np.array([3, 7]))
    assert len(fig.layout.images) == 2
    assert fig.layout.images[1].x == pytest.approx(float(xy[7, 0]))
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")


def test_image_grid_and_png():
    images = np.random.rand(5, 1, 28, 28)
    assert to_uint8(images).dtype == np.uint8 and to_uint8(images).shape == (5, 28, 28)
    picture = grid(images, ncols=3, pad=2)
    assert picture.shape == (2 * 30 + 2, 3 * 30 + 2)
    assert png_bytes(picture)[:8] == b"\x89PNG\r\n\x1a\n"
