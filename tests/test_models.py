import pytest
import torch

from explorer.data.datasets import to_float
from explorer.models.kinds import KINDS
from explorer.models.losses import gaussian_kl, imq_mmd
from explorer.models.nets import MODELS, ModelConfig, build_model

REGULARISERS = {"ae": None, "dae": None, "sparse": "sparsity", "contractive": "contractive", "vae": "kl", "wae": "mmd",
                "aae": "adversarial"}
EXTRA_TERMS = {"aae": {"critic"}}  # the discriminator's own loss, trained in the same step


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("latent_dim", [2, 16])
def test_shapes_and_named_loss_terms(kind, latent_dim, tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, latent_dim=latent_dim))
    x = to_float(tiny_images[:8])
    z = model.encode(x)
    assert z.shape == (8, latent_dim)
    x_hat = model.decode(z)
    assert x_hat.shape == (8, 1, 28, 28)
    assert x_hat.min() >= 0 and x_hat.max() <= 1
    terms = model.loss(x)
    expected = {"loss", "recon"} | ({REGULARISERS[kind]} if REGULARISERS[kind] else set()) | EXTRA_TERMS.get(kind, set())
    assert set(terms) == expected
    assert model.regulariser == REGULARISERS[kind] == KINDS[kind].regulariser
    assert all(t.dim() == 0 and torch.isfinite(t) for t in terms.values())


def test_registry_rejects_unknown_kind_and_bad_latent():
    with pytest.raises(ValueError, match="unknown model kind"):
        ModelConfig(kind="gan")
    with pytest.raises(ValueError, match="between 1 and 1024"):
        ModelConfig(latent_dim=0)


def test_vae_gradients_reach_mu_and_sigma_through_the_sample():
    mu = torch.zeros(4, 3, requires_grad=True)
    logvar = torch.zeros(4, 3, requires_grad=True)
    torch.manual_seed(0)
    z = build_model(ModelConfig(kind="vae", latent_dim=3)).reparameterise(mu, logvar)
    (z**2).sum().backward()
    assert mu.grad is not None and mu.grad.abs().sum() > 0
    assert logvar.grad is not None and logvar.grad.abs().sum() > 0


def test_vae_encode_is_the_mean():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="vae", latent_dim=4))
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = model.encode_distribution(x)
    assert torch.equal(model.encode(x), mu)
    assert logvar.shape == mu.shape


def test_gaussian_kl_is_zero_at_the_prior_and_positive_elsewhere():
    assert torch.allclose(gaussian_kl(torch.zeros(3, 4), torch.zeros(3, 4)), torch.zeros(3))
    assert (gaussian_kl(torch.ones(3, 4), torch.zeros(3, 4)) > 0).all()
    assert torch.allclose(gaussian_kl(torch.ones(1, 4), torch.zeros(1, 4)), torch.tensor([2.0]))


def test_mmd_near_zero_for_same_distribution_and_grows_with_shift():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(500, 8, generator=g)
    b = torch.randn(500, 8, generator=g)
    same = imq_mmd(a, b).item()
    shifted = [imq_mmd(a, b + s).item() for s in (0.5, 1.0, 2.0)]
    assert abs(same) < 0.02
    assert same < shifted[0] < shifted[1] < shifted[2]
    # the same sample twice: the unbiased estimate is not exactly zero but tiny
    assert abs(imq_mmd(a, a.clone()).item()) < 0.02


def test_contractive_penalty_is_zero_for_a_constant_encoder():
    for jacobian in ("estimate", "exact"):
        model = build_model(ModelConfig(kind="contractive", latent_dim=4, jacobian=jacobian))
        last = model.encoder.net[-1]
        torch.nn.init.zeros_(last.weight)  # z = bias: constant in x
        x = torch.rand(6, 1, 28, 28, requires_grad=True)
        assert model.jacobian_penalty(x, model.encode(x)).item() == 0.0


def test_contractive_estimate_is_unbiased_for_the_exact_norm():
    torch.manual_seed(0)
    exact_model = build_model(ModelConfig(kind="contractive", latent_dim=4, jacobian="exact"))
    estimate_model = build_model(ModelConfig(kind="contractive", latent_dim=4, jacobian="estimate"))
    estimate_model.load_state_dict(exact_model.state_dict())
    exact_model.eval(), estimate_model.eval()  # batch norm's running statistics: each image's own Jacobian
    x = torch.rand(4, 1, 28, 28, requires_grad=True)
    exact = exact_model.jacobian_penalty(x, exact_model.encode(x)).item()
    estimates = [estimate_model.jacobian_penalty(x, estimate_model.encode(x)).item() for _ in range(400)]
    mean = sum(estimates) / len(estimates)
    assert exact > 0
    assert abs(mean - exact) / exact < 0.1


def test_dae_trains_on_corrupted_inputs_against_clean_targets():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="dae", latent_dim=4, noise="masking", noise_level=1.0))
    x = torch.rand(4, 1, 28, 28)
    seen = []
    model.encoder.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    model.loss(x)
    assert torch.count_nonzero(seen[0]) == 0  # the encoder saw the fully masked image


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_few_optimiser_steps_lower_the_loss(kind, tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, latent_dim=8))
    x = to_float(tiny_images)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss_value():
        torch.manual_seed(1)  # same noise / sample for a fair before-and-after
        with torch.enable_grad():
            return model.loss(x)["loss"].item()

    before = loss_value()
    for _ in range(15):
        terms = model.loss(x)
        optimiser.zero_grad()
        terms["loss"].backward()
        optimiser.step()
    assert loss_value() < 0.9 * before


def _codes_far_from_the_prior(model, shift: float = 3.0, scale: float = 10.0):
    with torch.no_grad():
        model.encoder.net[-1].weight.mul_(scale)
        model.encoder.net[-1].bias.add_(shift)


def test_aae_each_player_moves_only_its_own_weights(tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="aae", latent_dim=4))
    x = to_float(tiny_images[:16])
    terms = model.loss(x)
    encoder, discriminator = list(model.encoder.parameters()), list(model.discriminator.parameters())
    adversarial = torch.autograd.grad(terms["adversarial"], encoder + discriminator, allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in adversarial[: len(encoder)])
    assert all(g is None for g in adversarial[len(encoder):])  # the discriminator is held fixed for the encoder
    critic = torch.autograd.grad(terms["critic"], encoder + discriminator, allow_unused=True)
    assert all(g is None for g in critic[: len(encoder)])  # the codes are fixed for the discriminator
    assert any(g is not None and g.abs().sum() > 0 for g in critic[len(encoder):])


def test_aae_discriminator_learns_to_tell_codes_from_prior_samples(tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="aae", latent_dim=4))
    _codes_far_from_the_prior(model)
    x = to_float(tiny_images)
    optimiser = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3)
    losses = []
    for _ in range(40):
        terms = model.loss(x)
        optimiser.zero_grad()
        terms["critic"].backward()
        optimiser.step()
        losses.append(terms["critic"].item())
    assert losses[-1] < 0.5 * losses[0]


def test_aae_training_moves_the_codes_moments_toward_the_prior(tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="aae", latent_dim=4, adversarial_weight=50.0))
    _codes_far_from_the_prior(model)
    x = to_float(tiny_images)

    def distance_to_the_prior() -> float:  # |mean| and |sd − 1| per unit, averaged
        model.eval()
        with torch.no_grad():
            z = model.encode(x)
        model.train()
        return (z.mean(0).abs().mean() + (z.std(0) - 1).abs().mean()).item()

    before = distance_to_the_prior()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(60):
        terms = model.loss(x)
        optimiser.zero_grad()
        terms["loss"].backward()
        optimiser.step()
    assert distance_to_the_prior() < 0.6 * before


def test_a_config_written_before_norm_existed_rebuilds_the_plain_backbone():
    legacy = {k: v for k, v in ModelConfig(kind="vae").to_dict().items() if k != "norm"}
    config = ModelConfig.from_dict(legacy)
    assert config.norm == "none"
    model = build_model(config)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in build_model(ModelConfig(kind="vae")).modules())
    with pytest.raises(ValueError, match="norm must be one of"):
        ModelConfig(norm="layer")


def test_an_epoch_leaves_out_a_last_batch_of_one_image_only():
    from explorer.training.train import batch_starts

    assert list(batch_starts(10, 4)) == [0, 4, 8]  # 4, 4, 2
    assert list(batch_starts(9, 4)) == [0, 4]  # 4, 4 and the ninth image left out
    assert list(batch_starts(8, 4)) == [0, 4]
    assert list(batch_starts(1, 4)) == [0]  # nothing else to train on: kept (the command refuses it with batch norm)
