import pytest
import torch

from explorer.data.corrupt import CORRUPTIONS, corrupt


@pytest.fixture
def images():
    return torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_level_zero_is_the_identity(kind, images):
    assert torch.equal(corrupt(images, kind, 0.0, seed=1), images)


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
@pytest.mark.parametrize("level", [0.1, 0.5, 1.0])
def test_output_stays_in_range_and_is_seeded(kind, level, images):
    a = corrupt(images, kind, level, seed=7)
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, corrupt(images, kind, level, seed=7))
    if not (kind == "masking" and level == 1.0):  # full masking is the same for any seed
        assert not torch.equal(a, corrupt(images, kind, level, seed=8))
    assert not torch.equal(a, images)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5])
def test_salt_and_pepper_changes_about_p_of_the_pixels(p):
    grey = torch.full((64, 1, 28, 28), 0.5)
    changed = (corrupt(grey, "salt-and-pepper", p, seed=0) != grey).float().mean().item()
    assert abs(changed - p) < 0.01


def test_masking_only_zeroes_pixels(images):
    out = corrupt(images, "masking", 0.3, seed=0)
    changed = out != images
    assert (out[changed] == 0).all()
    assert abs(changed.float().mean().item() - 0.3) < 0.01


def test_bad_kind_and_level_are_refused(images):
    with pytest.raises(ValueError, match="unknown corruption"):
        corrupt(images, "blur", 0.1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        corrupt(images, "gaussian", 1.5)
