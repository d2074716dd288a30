import numpy as np
import pytest
import torch

from explorer.analysis.denoise import noise_curve, out_of_distribution, quality, reconstruction_errors
from explorer.metrics.measure import mse_per_image, psnr_per_image, roc, ssim_per_image
from explorer.models.nets import ModelConfig, build_model


@pytest.fixture
def images():
    return torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def test_identical_images(images):
    assert torch.all(mse_per_image(images, images) == 0)
    assert torch.all(psnr_per_image(images, images) >= 99)  # capped, not infinite
    assert torch.allclose(ssim_per_image(images, images), torch.ones(6))


def test_psnr_of_a_known_error():
    a = torch.zeros(1, 1, 28, 28)
    assert psnr_per_image(a, a + 0.1).item() == pytest.approx(20.0, abs=1e-4)


def test_ssim_drops_with_noise(images):
    g = torch.Generator().manual_seed(1)
    slightly = (images + 0.05 * torch.randn(images.shape, generator=g)).clamp(0, 1)
    very = (images + 0.5 * torch.randn(images.shape, generator=g)).clamp(0, 1)
    assert (ssim_per_image(images, very) < ssim_per_image(images, slightly)).all()


def test_auc_of_separated_and_of_identical_scores():
    assert roc([0.1, 0.2, 0.3], [0.5, 0.9])[2] == 1.0
    assert roc([0.5, 0.9], [0.1, 0.2, 0.3])[2] == 0.0
    fpr, tpr, auc = roc(np.ones(50), np.ones(50))
    assert auc == 0.5 and fpr[0] == 0 and tpr[-1] == 1


def test_quality_and_noise_curve(images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="ae", latent_dim=4)).eval()
    q = quality(images, images)
    assert set(q) == {"psnr", "ssim"}
    curves = noise_curve({"ae": model}, images, "gaussian", [0.0, 0.3, 0.6], seed=0)
    assert set(curves) == {"identity", "ae"}
    identity = curves["identity"]["psnr"]
    assert identity[0] >= 99 and identity[0] > identity[1] > identity[2]
    assert len(curves["ae"]["ssim"]) == 3


def test_out_of_distribution_sets_and_scores():
    test = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    other = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    sets = out_of_distribution(test, other, seed=0)
    assert set(sets) == {"other", "noise", "upside_down", "inverted"}
    x = test.float().div(255).unsqueeze(1)
    assert torch.allclose(sets["inverted"], 1 - x)
    assert torch.equal(sets["upside_down"][:, :, 0], x[:, :, -1])
    assert "other" not in out_of_distribution(test, None)
    torch.manual_seed(0)
    errors = reconstruction_errors(build_model(ModelConfig(kind="ae", latent_dim=4)).eval(), test)
    assert errors.shape == (10,) and (errors >= 0).all()
