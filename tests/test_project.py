import numpy as np
import plotly.graph_objects as go
import pytest

from explorer.analysis.project import (
    MAX_DRAWN_POINTS,
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
from explorer.data.images import grid, png_bytes, to_uint8
from explorer.present.figures import CLASS_COLOURS, add_thumbnails, latent_map_figure


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
        LatentMap(xy=np.zeros((5, 4)), indices=np.arange(5), method="umap")
    with pytest.raises(ValueError):
        LatentMap(xy=np.zeros((5, 2)), indices=np.arange(4), method="umap")


@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
@pytest.mark.parametrize("dims", [2, 3])
def test_every_projection_keeps_two_clusters_apart_and_measures_itself(tmp_path, method, dims):
    from explorer.analysis.project import project

    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 0.1, (60, 8)), rng.normal(5, 0.1, (60, 8))]).astype(np.float32)
    params = {"umap": {"n_neighbors": 10, "min_dist": 0.1}, "tsne": {"perplexity": 10.0}, "pca": {}}[method]
    m = project(z, method, dims=dims, seed=0, indices=np.arange(120) + 7, **params)
    assert m.xy.shape == (120, dims) and m.method == method and m.indices[0] == 7
    # each point's nearest map neighbour is of its own cluster
    d = ((m.xy[:, None, :] - m.xy[None, :, :]) ** 2).sum(axis=2) + np.diag(np.full(120, np.inf))
    assert ((d.argmin(axis=1) < 60) == (np.arange(120) < 60)).mean() >= 0.9  # chance: 0.5
    faithful = m.params["faithfulness"]
    assert 0.5 < faithful["trustworthiness"] <= 1 and 0 <= faithful["knn_kept"] <= 1
    back = load_map(save_map(tmp_path / "m.npz", m))  # the parameters and the measure are kept with the map
    assert back.params == m.params and back.dims == dims


def test_pca_reports_each_components_explained_variance():
    from explorer.analysis.project import pca_project

    rng = np.random.default_rng(1)
    z = rng.normal(size=(500, 4)) * np.array([5.0, 2.0, 0.5, 0.1])
    m = pca_project(z, dims=3)
    shares = m.params["explained_variance"]
    assert len(shares) == 3 and shares[0] > shares[1] > shares[2] and sum(shares) < 1
    assert shares[0] == pytest.approx(25 / (25 + 4 + 0.25 + 0.01), abs=0.03)


def test_an_identity_map_is_perfectly_faithful():
    from explorer.analysis.project import faithfulness

    z = np.random.default_rng(2).normal(size=(300, 2))
    measured = faithfulness(z, z.copy(), k=10)
    assert measured["trustworthiness"] == pytest.approx(1.0) and measured["knn_kept"] == pytest.approx(1.0)
    shuffled = faithfulness(z, z[np.random.default_rng(3).permutation(300)], k=10)
    assert shuffled["trustworthiness"] < 0.7 and shuffled["knn_kept"] < 0.2


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
    umap = {"n_neighbors": 15, "min_dist": 0.1}
    base = map_cache_key("w1", "umap", 2, 1000, 0, umap)
    others = [map_cache_key("w2", "umap", 2, 1000, 0, umap), map_cache_key("w1", "umap", 2, 2000, 0, umap),
              map_cache_key("w1", "umap", 2, 1000, 0, {**umap, "n_neighbors": 30}),
              map_cache_key("w1", "umap", 2, 1000, 0, {**umap, "min_dist": 0.2}),
              map_cache_key("w1", "umap", 2, 1000, 1, umap), map_cache_key("w1", "umap", 3, 1000, 0, umap),
              map_cache_key("w1", "tsne", 2, 1000, 0, {"perplexity": 30.0}), map_cache_key("w1", "pca", 2, 1000, 0, {})]
    assert len({base, *others}) == 9
    assert base == map_cache_key("w1", "umap", 2, 1000, 0, dict(reversed(list(umap.items()))))
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


def test_a_map_picture_draws_each_point_in_its_class_colour_where_it_lies():
    from explorer.present.figures import map_picture

    xy = np.array([[0.0, 0.0], [10.0, 5.0]])
    picture = map_picture(xy, np.array([1, 3]), bounds=(0.0, 10.0, 0.0, 5.0), pixels=101, radius=1)
    assert picture.shape == (51, 101, 4)  # the longer side 101 pixels, the bounds' aspect kept
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in CLASS_COLOURS]
    assert tuple(picture[50, 0, :3]) == rgb[1] and picture[50, 0, 3] > 0  # (0, 0): the bottom-left corner
    assert tuple(picture[0, 100, :3]) == rgb[3]  # (10, 5): the top-right corner
    assert picture[25, 50, 3] == 0  # nothing drawn between them


def test_a_map_backdrop_is_a_picture_with_a_legend_and_the_selection_ringed():
    from explorer.present.figures import map_backdrop_figure

    labels = np.array([0, 1, 1, 2])
    xy = np.arange(8, dtype=np.float32).reshape(4, 2)
    fig = map_backdrop_figure(xy, labels, ["zero", "one", "two"], np.array([10, 11, 12, 13]), selected=[12, 99])
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    assert [tr.name for tr in fig.data[:3]] == ["zero", "one", "two"]  # the legend's entries draw no point
    assert all(tr.x == (None,) for tr in fig.data[:3])
    assert list(fig.data[-1].customdata) == [12]


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


def test_new_codes_land_exactly_on_latent_and_pca_maps_and_among_neighbours_elsewhere():
    from explorer.analysis.project import pca_project, place_codes

    rng = np.random.default_rng(4)
    z = rng.normal(size=(400, 5)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2])
    pca_map = pca_project(z, dims=2, indices=np.arange(400))
    placed, exact = place_codes(pca_map, z, z[:10])
    assert exact and np.allclose(placed, pca_map.xy[:10], atol=1e-4)  # a map point's own code lands on it
    plane = LatentMap(xy=z[:, :2], indices=np.arange(400), method="latent")
    placed, exact = place_codes(plane, None, z[:3])
    assert exact and np.allclose(placed, z[:3, :2])
    other = LatentMap(xy=rng.normal(size=(400, 2)), indices=np.arange(400), method="umap")
    placed, exact = place_codes(other, z, z[[7]])
    assert not exact and np.allclose(placed, other.xy[[7]], atol=1e-5)


def test_a_map_of_many_points_is_drawn_as_a_seeded_uniform_sample():
    rng = np.random.default_rng(1)
    big = LatentMap(rng.normal(size=(250_000, 2)), rng.permutation(400_000)[:250_000], "umap", {"seed": 3})
    drawn = big.drawn()
    assert len(drawn.xy) == MAX_DRAWN_POINTS and drawn.params == {"seed": 3, "drawn_of": 250_000}
    rows = np.searchsorted(big.indices, drawn.indices, sorter=np.argsort(big.indices))
    assert np.array_equal(big.xy[np.argsort(big.indices)[rows]], drawn.xy)  # each point with its own image
    assert len(set(drawn.indices.tolist())) == MAX_DRAWN_POINTS
    assert np.array_equal(big.drawn().indices, drawn.indices) and not np.array_equal(big.drawn(seed=1).indices, drawn.indices)
    # a uniform sample: every region of the map keeps its share of the points
    left = (big.xy[:, 0] < 0).mean()
    assert abs((drawn.xy[:, 0] < 0).mean() - left) < 0.01
    small = LatentMap(big.xy[:1000], big.indices[:1000], "umap")
    assert small.drawn() is small


def test_umap_runs_on_the_gpu_with_cuml_where_both_are_there(monkeypatch):
    import sys
    import types

    import torch

    from explorer.analysis import project

    class FakeCumlUMAP:
        def __init__(self, **options):
            self.options = options

        def fit_transform(self, z):
            return z[:, : self.options["n_components"]] * 2

    fake = types.ModuleType("cuml.manifold")
    fake.UMAP = FakeCumlUMAP
    monkeypatch.setitem(sys.modules, "cuml", types.ModuleType("cuml"))
    monkeypatch.setitem(sys.modules, "cuml.manifold", fake)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    z = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    latent_map = project.umap_project(z, seed=2)
    assert latent_map.params["backend"] == "cuml" and np.allclose(latent_map.xy, z[:, :2] * 2)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert project.umap_backend()[1] == "umap-learn"  # no GPU: the CPU's, whatever is installed
