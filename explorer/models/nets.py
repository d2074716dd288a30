"""The autoencoder family of the survey (Bank, Koenigstein & Giryes 2020), on one conv backbone.

Every model maps C×H×H images in [0, 1] (1×28×28 for the shipped zoo; grey or RGB, 8 to 128
pixels a side for a user's data) to a code ``z`` of ``latent_dim`` numbers and back. ``loss(x)`` returns its named terms: ``loss`` (what is minimised),
``recon`` (reconstruction, Bernoulli negative log-likelihood summed over pixels,
averaged over the batch) and, for the regularised kinds, the regulariser under
its own name (``sparsity``, ``contractive``, ``kl``, ``mmd``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.data.corrupt import CORRUPTIONS, corrupt
from explorer.models.kinds import IMAGE_KINDS, KINDS
from explorer.models.losses import gaussian_kl, imq_mmd

# Upper bounds on what a config may ask for (a tampered config.json is refused, not allocated).
MAX_LATENT_DIM = 1024
MAX_CHANNELS = 256
MAX_HIDDEN = 2048
MAX_WEIGHT = 1e6
NORMS = ("batch", "none")
IMAGE_SIZES = (8, 128)  # the side of a square image, in pixels
MAX_STAGES = 4


def conv_stages(size: int) -> list[int]:
    """The image side after each stride-2 stage of the backbone: halve while the side is even and at
    least 14, at least once (28 → 14 → 7: two stages; 32 → 16 → 8: two; 64 → 32 → 16 → 8: three;
    8 → 4: one)."""
    sides = [size]
    while sides[-1] % 2 == 0 and (sides[-1] >= 14 or len(sides) == 1) and len(sides) <= MAX_STAGES:
        sides.append(sides[-1] // 2)
    return sides


def _bounded_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} must be a whole number, not {value!r}")  # noqa: TRY004  (callers catch ValueError)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number != value and str(number) != str(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _bounded_float(name: str, value, low: float, high: float, open_ends: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} must be a number, not {value!r}")  # noqa: TRY004  (callers catch ValueError)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    inside = low < number < high if open_ends else low <= number <= high
    if not math.isfinite(number) or not inside:
        ends = f"({low}, {high})" if open_ends else f"[{low}, {high}]"
        raise ValueError(f"{name} must lie in {ends}, not {value!r}")
    return number


@dataclass
class ModelConfig:
    kind: str = "ae"
    dataset: str = "mnist"
    latent_dim: int = 16
    channels: tuple[int, ...] = (32, 64)  # the conv stages' widths; the last repeats for extra stages
    hidden: int = 128  # the dense layer between the convs and the code
    # "batch": batch norm after every hidden layer (fewer steps to a good model, docs/zoo.md's backbone
    # table); "none": the first zoo's backbone, which is what a config.json without the field means
    norm: str = "batch"
    image_channels: int = 1  # 1 grey, 3 RGB
    image_size: int = 28  # the side of the square images
    # dae: the corruption applied to the input during training
    noise: str = "gaussian"
    noise_level: float = 0.4
    # sparse: KL(ρ ‖ ρ̂_j) on sigmoid codes (Ng's sparse AE), or L1 on the code
    sparsity: str = "kl"
    sparsity_weight: float = 5.0
    rho: float = 0.05
    # contractive: λ‖J‖²_F, exact or Hutchinson's unbiased estimate (one projection)
    contractive_weight: float = 0.05
    jacobian: str = "estimate"
    # vae
    beta: float = 1.0
    # wae: λ·MMD² with the inverse multiquadratic kernel against N(0, I)
    mmd_lambda: float = 100.0
    # aae: λ·the encoder's adversarial loss against a discriminator on the codes
    adversarial_weight: float = 10.0

    def __post_init__(self):
        # A config.json can be edited by hand: every field is checked, and sizes are bounded
        # so that a tampered file cannot make the loader allocate tens of gigabytes.
        if self.kind not in MODELS:
            raise ValueError(f"unknown model kind {self.kind!r}; choose one of: {', '.join(MODELS)}")
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset must be a name, not {self.dataset!r}")
        self.latent_dim = _bounded_int("latent size", self.latent_dim, 1, MAX_LATENT_DIM)
        channels = tuple(self.channels) if isinstance(self.channels, (list, tuple)) else ()
        if not 1 <= len(channels) <= MAX_STAGES:
            raise ValueError(f"channels must be 1 to {MAX_STAGES} numbers, not {self.channels!r}")
        self.channels = tuple(_bounded_int("channels", c, 1, MAX_CHANNELS) for c in channels)
        self.hidden = _bounded_int("hidden width", self.hidden, 1, MAX_HIDDEN)
        if self.image_channels not in (1, 3):
            raise ValueError(f"image channels must be 1 (grey) or 3 (RGB), not {self.image_channels!r}")
        self.image_size = _bounded_int("image size", self.image_size, *IMAGE_SIZES)
        if self.image_size % 2:
            raise ValueError(f"image size must be even (the backbone halves it), not {self.image_size}")
        if self.noise not in CORRUPTIONS:
            raise ValueError(f"noise must be one of {', '.join(CORRUPTIONS)}, not {self.noise!r}")
        if self.sparsity not in ("kl", "l1"):
            raise ValueError(f"sparsity must be 'kl' or 'l1', not {self.sparsity!r}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}, not {self.norm!r}")
        if self.jacobian not in ("estimate", "exact"):
            raise ValueError(f"jacobian must be 'estimate' or 'exact', not {self.jacobian!r}")
        self.noise_level = _bounded_float("noise level", self.noise_level, 0.0, 1.0)
        self.rho = _bounded_float("rho", self.rho, 0.0, 1.0, open_ends=True)
        for name in ("sparsity_weight", "contractive_weight", "beta", "mmd_lambda", "adversarial_weight"):
            setattr(self, name, _bounded_float(name.replace("_", " "), getattr(self, name), 0.0, MAX_WEIGHT))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
        return cls(**{"norm": "none", **d})  # written before the field existed: the plain backbone

    @property
    def name(self) -> str:
        """The checkpoint folder name: ``<kind>-z<latent>``."""
        return f"{self.kind}-z{self.latent_dim}"

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.image_channels, self.image_size, self.image_size

    def stage_widths(self) -> list[int]:
        """The width of each conv stage (``channels``, its last repeated for the extra stages)."""
        stages = len(conv_stages(self.image_size)) - 1
        return [self.channels[min(k, len(self.channels) - 1)] for k in range(stages)]


def _norm(config: ModelConfig, width: int, dims: int) -> list[nn.Module]:
    """Batch norm over ``width`` features of a ``dims``-d layer (Ioffe & Szegedy 2015), or nothing."""
    if config.norm == "none":
        return []
    return [nn.BatchNorm2d(width) if dims == 2 else nn.BatchNorm1d(width)]


class ConvEncoder(nn.Module):
    """Stride-2 convolutions (4×4) down to a side of 7 or 8 (see :func:`conv_stages`), then two dense layers."""

    def __init__(self, config: ModelConfig, out_dim: int):
        super().__init__()
        sides, widths = conv_stages(config.image_size), config.stage_widths()
        layers, previous = [], config.image_channels
        for width in widths:  # 28 → 14 → 7 for the shipped zoo
            layers += [nn.Conv2d(previous, width, 4, stride=2, padding=1), *_norm(config, width, 2), nn.ReLU()]
            previous = width
        self.net = nn.Sequential(
            *layers,
            nn.Flatten(),
            nn.Linear(previous * sides[-1] ** 2, config.hidden), *_norm(config, config.hidden, 1), nn.ReLU(),
            nn.Linear(config.hidden, out_dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """Mirror of the encoder; returns logits (the models apply the sigmoid)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        sides, widths = conv_stages(config.image_size), config.stage_widths()
        layers = []
        outputs = [*reversed(widths[:-1]), config.image_channels]
        for k, (width, out) in enumerate(zip(reversed(widths), outputs)):
            layers.append(nn.ConvTranspose2d(width, out, 4, stride=2, padding=1))  # 7 → 14 → 28
            if k < len(widths) - 1:
                layers += [*_norm(config, out, 2), nn.ReLU()]
        self.net = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden), *_norm(config, config.hidden, 1), nn.ReLU(),
            nn.Linear(config.hidden, widths[-1] * sides[-1] ** 2), *_norm(config, widths[-1] * sides[-1] ** 2, 1),
            nn.ReLU(),
            nn.Unflatten(1, (widths[-1], sides[-1], sides[-1])),
            *layers,
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class AutoEncoder(nn.Module):
    """The basic bottleneck autoencoder (survey §2)."""

    kind = "ae"

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder = ConvEncoder(config, out_dim=self.code_outputs(config))
        self.decoder = ConvDecoder(config)

    @property
    def regulariser(self) -> str | None:
        """The name of the regulariser's term in loss() (explorer.kinds says, for every kind)."""
        return KINDS[self.kind].regulariser

    @staticmethod
    def code_outputs(config: ModelConfig) -> int:
        return config.latent_dim

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.reconstruct(x)

    @staticmethod
    def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return bce.flatten(1).sum(dim=1).mean()

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        recon = self.reconstruction_loss(self.decoder(self.encode(x)), x)
        return {"loss": recon, "recon": recon}


class DenoisingAutoEncoder(AutoEncoder):
    """Reconstructs the clean image from a corrupted one (Vincent et al. 2008; survey §3.3)."""

    kind = "dae"

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        noisy = corrupt(x, self.config.noise, self.config.noise_level)
        recon = self.reconstruction_loss(self.decoder(self.encode(noisy)), x)
        return {"loss": recon, "recon": recon}


class SparseAutoEncoder(AutoEncoder):
    """Few active code units per input (survey §3.2): KL to a target activation ρ, or L1."""

    kind = "sparse"

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)
        return torch.sigmoid(h) if self.config.sparsity == "kl" else h

    def sparsity_penalty(self, z: torch.Tensor) -> torch.Tensor:
        if self.config.sparsity == "l1":
            return z.abs().sum(dim=1).mean()
        rho = self.config.rho
        rho_hat = z.mean(dim=0).clamp(1e-6, 1 - 1e-6)  # mean activation of each unit
        return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        recon = self.reconstruction_loss(self.decoder(z), x)
        penalty = self.sparsity_penalty(z)
        return {"loss": recon + self.config.sparsity_weight * penalty, "recon": recon, "sparsity": penalty}


class ContractiveAutoEncoder(AutoEncoder):
    """Penalises the encoder's sensitivity ‖∂z/∂x‖²_F (Rifai et al. 2011; survey §3.4)."""

    kind = "contractive"

    def jacobian_penalty(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Mean over the batch of ‖J(x)‖²_F; ``x`` must require grad and ``z = encode(x)``."""
        if self.config.jacobian == "exact":
            rows = range(z.shape[1])
            total = z.new_zeros(())
            for j in rows:  # one backward pass per code unit: affordable at small latent sizes
                (g,) = torch.autograd.grad(z[:, j].sum(), x, create_graph=True, allow_unused=True)
                if g is not None:
                    total = total + g.pow(2).flatten(1).sum(dim=1).mean()
            return total
        # Hutchinson: E_v ‖Jᵀv‖² = tr(J Jᵀ) = ‖J‖²_F for v ~ N(0, I); one backward pass.
        v = torch.randn_like(z)
        (g,) = torch.autograd.grad(z, x, grad_outputs=v, create_graph=True, allow_unused=True)
        if g is None:
            return z.new_zeros(())
        return g.pow(2).flatten(1).sum(dim=1).mean()

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.detach().requires_grad_(True)
        z = self.encode(x)
        recon = self.reconstruction_loss(self.decoder(z), x.detach())
        penalty = self.jacobian_penalty(x, z)
        return {"loss": recon + self.config.contractive_weight * penalty, "recon": recon, "contractive": penalty}


class VariationalAutoEncoder(AutoEncoder):
    """Gaussian encoder q(z|x) = N(μ, σ²), KL to N(0, I), weight β (Kingma & Welling 2014; survey §4)."""

    kind = "vae"

    @staticmethod
    def code_outputs(config: ModelConfig) -> int:
        return 2 * config.latent_dim

    def encode_distribution(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_distribution(x)[0]

    @staticmethod
    def reparameterise(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode_distribution(x)
        z = self.reparameterise(mu, logvar)
        recon = self.reconstruction_loss(self.decoder(z), x)
        kl = gaussian_kl(mu, logvar).mean()
        return {"loss": recon + self.config.beta * kl, "recon": recon, "kl": kl}


class WassersteinAutoEncoder(AutoEncoder):
    """WAE-MMD: deterministic encoder, aggregate codes pulled to N(0, I) (Tolstikhin et al. 2018; survey §5)."""

    kind = "wae"

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        recon = self.reconstruction_loss(self.decoder(z), x)
        mmd = imq_mmd(z, torch.randn_like(z))
        return {"loss": recon + self.config.mmd_lambda * mmd, "recon": recon, "mmd": mmd}


class AdversarialAutoEncoder(AutoEncoder):
    """AAE: a discriminator on the codes pushes their aggregate to N(0, I) (Makhzani et al. 2016;
    the survey's autoencoders and GANs) — the adversarial counterpart of the WAE's MMD.

    One backward pass trains both players on disjoint parameters: the encoder and decoder minimise
    reconstruction + λ·adversarial, where the discriminator's weights are held fixed (detached), and
    the discriminator minimises its own loss on codes it cannot move back into the encoder (detached).
    """

    kind = "aae"

    def __init__(self, config: ModelConfig):
        super().__init__(config)
        width = 2 * config.hidden
        self.discriminator = nn.Sequential(  # codes → the logit of "drawn from N(0, I)"
            nn.Linear(config.latent_dim, width), nn.LeakyReLU(0.2),
            nn.Linear(width, width), nn.LeakyReLU(0.2),
            nn.Linear(width, 1),
        )

    def critic_loss(self, z: torch.Tensor, z_prior: torch.Tensor) -> torch.Tensor:
        """The discriminator's loss: prior samples are real (1), codes are fake (0) (Goodfellow et al. 2014, eq. 1)."""
        real, fake = self.discriminator(z_prior), self.discriminator(z)
        return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))

    def adversarial_loss(self, z: torch.Tensor) -> torch.Tensor:
        """The encoder's loss: codes that the (fixed) discriminator takes for prior samples; the
        non-saturating form, −log D(z) (Goodfellow et al. 2014, §3)."""
        fixed = {name: p.detach() for name, p in self.discriminator.named_parameters()}
        logits = torch.func.functional_call(self.discriminator, fixed, (z,))
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        recon = self.reconstruction_loss(self.decoder(z), x)
        adversarial = self.adversarial_loss(z)
        critic = self.critic_loss(z.detach(), torch.randn_like(z))
        return {"loss": recon + self.config.adversarial_weight * adversarial + critic, "recon": recon,
                "adversarial": adversarial, "critic": critic}


MODEL_CLASSES: tuple[type[AutoEncoder], ...] = (
    AutoEncoder,
    DenoisingAutoEncoder,
    SparseAutoEncoder,
    ContractiveAutoEncoder,
    VariationalAutoEncoder,
    WassersteinAutoEncoder,
    AdversarialAutoEncoder,
)
MODELS: dict[str, type[AutoEncoder]] = {cls.kind: cls for cls in MODEL_CLASSES}
assert tuple(MODELS) == IMAGE_KINDS, "explorer.models.kinds.KINDS must list the same image kinds, in the same order"


def build_model(config: ModelConfig) -> AutoEncoder:
    """An image model (explorer.models.registry builds any kind, a recommender too)."""
    return MODELS[config.kind](config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


