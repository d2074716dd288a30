import numpy as np
import pytest
import torch

from explorer.analysis.latent import (
    crossfade,
    decode,
    dimensions_by_variance,
    encode,
    interpolate,
    lerp,
    plane_grid,
    reconstruct,
    slerp,
    traversal_grid,
    traverse,
)
from explorer.analysis.project import place_on_map
from explorer.models.nets import ModelConfig, build_model
from explorer.samplers import GaussianMixtureSampler, NormalSampler


@pytest.mark.parametrize("method", ["linear", "spherical"])
def test_interpolation_endpoints_are_exact(method):
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, generator=g), torch.randn(16, generator=g)
    path = interpolate(a, b, 7, method)
    assert path.shape == (7, 16)
    assert torch.equal(path[0], a) and torch.equal(path[-1], b)


def test_lerp_is_the_straight_line():
    a, b = torch.tensor([0.0, 0.0]), torch.tensor([2.0, 4.0])
    assert torch.allclose(lerp(a, b, torch.tensor([0.5])), torch.tensor([[1.0, 2.0]]))


def test_slerp_keeps_the_norm_for_equal_norm_endpoints():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(32, generator=g), torch.randn(32, generator=g)
    b = b / b.norm() * a.norm()
    path = slerp(a, b, torch.linspace(0, 1, 11))
    assert torch.allclose(path.norm(dim=1), torch.full((11,), a.norm().item()), rtol=1e-5)
    # and it is not the straight line, whose midpoint is shorter
    assert lerp(a, b, torch.tensor([0.5])).norm() < path[5].norm() - 1e-3


def test_slerp_of_parallel_or_zero_vectors_falls_back_to_lerp():
    a = torch.tensor([1.0, 0.0])
    t = torch.linspace(0, 1, 5)
    assert torch.allclose(slerp(a, 3 * a, t), lerp(a, 3 * a, t))
    assert torch.allclose(slerp(torch.zeros(2), a, t), lerp(torch.zeros(2), a, t))


def test_interpolate_refuses_bad_arguments():
    a = torch.zeros(3)
    with pytest.raises(ValueError, match="unknown interpolation"):
        interpolate(a, a, 5, "cubic")
    with pytest.raises(ValueError, match="at least 2"):
        interpolate(a, a, 1)


def test_crossfade_blends_pixels():
    a, b = torch.zeros(1, 28, 28), torch.ones(1, 28, 28)
    fade = crossfade(a, b, 5)
    assert fade.shape == (5, 1, 28, 28)
    assert torch.allclose(fade.mean(dim=(1, 2, 3)), torch.linspace(0, 1, 5))


def test_traversal_changes_only_its_dimension():
    z0 = torch.arange(4.0)
    out = traverse(z0, 2, torch.tensor([-1.0, 0.0, 5.0]))
    assert out[:, 2].tolist() == [-1.0, 0.0, 5.0]
    assert torch.equal(out[:, [0, 1, 3]], z0[[0, 1, 3]].repeat(3, 1))


def test_traversal_grid_sweeps_each_dimension_around_its_centre():
    z0 = torch.zeros(3)
    centre, scale = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.5, 2.0])
    sweep = traversal_grid(z0, torch.tensor([2, 0]), centre, scale, steps=5, span=3.0)
    assert sweep.shape == (10, 3)
    assert torch.allclose(sweep[:5, 2], torch.linspace(3 - 6, 3 + 6, 5))
    assert torch.allclose(sweep[5:, 0], torch.linspace(1 - 3, 1 + 3, 5))
    assert (sweep[:5, :2] == 0).all()


def test_dimensions_by_variance():
    z = torch.stack([torch.randn(500) * s for s in (0.1, 3.0, 1.0)], dim=1)
    assert dimensions_by_variance(z).tolist() == [1, 2, 0]


def test_plane_grid_covers_the_square_top_row_first():
    g = plane_grid(3, -1.0, 1.0)
    assert g.shape == (9, 2)
    assert g[0].tolist() == [-1.0, 1.0] and g[-1].tolist() == [1.0, -1.0]


def test_normal_sampler_is_seeded_and_scaled_by_temperature():
    s = NormalSampler(8)
    assert torch.equal(s.sample(100, seed=3), s.sample(100, seed=3))
    assert not torch.equal(s.sample(100, seed=3), s.sample(100, seed=4))
    assert torch.allclose(s.sample(100, seed=3, temperature=0.5), 0.5 * s.sample(100, seed=3))


def test_gaussian_mixture_fits_once_saves_without_pickle_and_samples_where_the_codes_are(tmp_path):
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(-5, 0.2, (300, 2)), rng.normal(5, 0.2, (300, 2))])
    gmm = GaussianMixtureSampler.fit(z, n_components=2, seed=0)
    loaded = GaussianMixtureSampler.load(gmm.save(tmp_path / "gmm.npz"))
    samples = loaded.sample(400, seed=1)
    assert samples.shape == (400, 2)
    assert torch.equal(samples, gmm.sample(400, seed=1))
    near = (samples.abs() - 5).abs().max(dim=1).values < 1.0
    assert near.float().mean() > 0.99  # no sample falls in the empty middle
    assert 0.35 < (samples[:, 0] > 0).float().mean() < 0.65


def test_place_on_map_puts_reference_codes_on_their_points():
    rng = np.random.default_rng(0)
    z_ref = rng.normal(size=(50, 8))
    xy = rng.normal(size=(50, 2)).astype(np.float32)
    assert np.allclose(place_on_map(z_ref[[3, 17]], z_ref, xy, k=5), xy[[3, 17]], atol=1e-5)
    midway = place_on_map((z_ref[[3]] + z_ref[[3]] * 1.0001) / 2, z_ref, xy, k=1)
    assert np.allclose(midway, xy[[3]])


def test_batched_encode_decode_match_the_model():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="vae", latent_dim=3)).eval()
    images = torch.randint(0, 256, (25, 28, 28), dtype=torch.uint8)
    z = encode(model, images, batch_size=7)
    x = images.float().div(255).unsqueeze(1)
    assert torch.allclose(z, model.encode(x).detach(), atol=1e-6)
    assert decode(model, z, batch_size=4).shape == (25, 1, 28, 28)
    assert torch.allclose(reconstruct(model, images, 10), model.decode(model.encode(x)).detach(), atol=1e-6)
