"""Autoencoders of ratings (the survey's recommendation application): a vector of ratings in, the ratings
of the items not yet met out.

- :class:`ItemAutoRec` — I-AutoRec (Sedhain, Menon, Sanner & Xie, WWW 2015): one item's vector of its
  users' ratings (0 where a user has not rated it) → a sigmoid code → the ratings of every user. The loss
  is the squared error on the observed ratings only, plus weight decay (their eq. 2). A user's predicted
  rating of an item is that item's output at the user.
- :class:`MultDAE`, :class:`MultVAE` — Mult-DAE and Mult-VAE (Liang, Krishnan, Hoffman & Jebara, WWW 2018):
  one user's binarised history (the movies liked) → a code → a multinomial over all items. The loss is
  the multinomial log-likelihood (their eq. 1); the DAE drops inputs out (p = 0.5) and the VAE adds
  β·KL(q(z|x) ‖ N(0, I)), β annealed from 0 to ``beta`` (their eq. 7 and § 2.2.2).

Every model has ``encode``, ``decode`` and ``loss(x)`` (its named terms, ``loss`` minimised), as the image
models have; :mod:`explorer.models.registry` holds both families under one registry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.kinds import KINDS
from explorer.models.losses import gaussian_kl
from explorer.models.nets import MAX_HIDDEN, MAX_LATENT_DIM, MAX_WEIGHT, _bounded_float, _bounded_int

MAX_VECTOR = 100_000  # users or items: the width of an input vector a config may ask for
RATING_RANGE = (1.0, 5.0)
DEFAULT_WEIGHT_DECAY = {"autorec": 300.0, "multdae": 1.0, "multvae": 0.0}


@dataclass
class RatingsConfig:
    kind: str = "autorec"
    dataset: str = "movielens-100k"
    latent_dim: int = 500  # the code: I-AutoRec's hidden units, the Mult-* models' bottleneck
    n_users: int = 943
    n_items: int = 1682
    hidden: int = 600  # Mult-*: the layer between the input and the code (Liang et al.'s [I → 600 → 200 → 600 → I])
    # I-AutoRec's λ (its eq. 2, per observed rating here; chosen on validation ratings: docs/zoo.md), Mult-DAE's on
    # its weights; None: the kind's own (DEFAULT_WEIGHT_DECAY)
    weight_decay: float | None = None
    dropout: float = 0.5  # Mult-*: the input's dropout (the DAE's corruption; the VAE's too)
    beta: float = 0.2  # Mult-VAE: the largest β of the annealing
    anneal_steps: int = 2_000  # Mult-VAE: updates from β = 0 to ``beta``

    def __post_init__(self):
        if KINDS.get(self.kind) is None or KINDS[self.kind].data != "ratings":
            ratings_kinds = ", ".join(k for k, v in KINDS.items() if v.data == "ratings")
            raise ValueError(f"unknown ratings model kind {self.kind!r}; choose one of: {ratings_kinds}")
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset must be a name, not {self.dataset!r}")
        self.latent_dim = _bounded_int("latent size", self.latent_dim, 1, MAX_LATENT_DIM)
        self.n_users = _bounded_int("users", self.n_users, 1, MAX_VECTOR)
        self.n_items = _bounded_int("items", self.n_items, 1, MAX_VECTOR)
        self.hidden = _bounded_int("hidden width", self.hidden, 1, MAX_HIDDEN)
        self.anneal_steps = _bounded_int("anneal steps", self.anneal_steps, 0, 10_000_000)
        self.dropout = _bounded_float("dropout", self.dropout, 0.0, 0.95)
        if self.weight_decay is None:
            self.weight_decay = DEFAULT_WEIGHT_DECAY[self.kind]
        for name in ("weight_decay", "beta"):
            setattr(self, name, _bounded_float(name.replace("_", " "), getattr(self, name), 0.0, MAX_WEIGHT))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RatingsConfig:
        unknown = set(d) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
        return cls(**d)

    @property
    def name(self) -> str:
        return f"{self.kind}-z{self.latent_dim}"

    @property
    def input_size(self) -> int:
        """The length of one input vector: the users (I-AutoRec reads an item's column) or the items."""
        return self.n_users if KINDS[self.kind].input == "item" else self.n_items


class ItemAutoRec(nn.Module):
    """I-AutoRec: r̂ = W·σ(V·r + μ) + b, trained on the observed entries of r only."""

    kind = "autorec"

    def __init__(self, config: RatingsConfig):
        super().__init__()
        self.config = config
        self.encoder = nn.Linear(config.n_users, config.latent_dim)  # V, μ
        self.decoder = nn.Linear(config.latent_dim, config.n_users)  # W, b: row u of W is user u's vector

    @property
    def regulariser(self) -> str | None:
        return KINDS[self.kind].regulariser

    def encode(self, r: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.encoder(r))

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(h)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        """Predicted ratings, within the scale (Sedhain et al. clip them the same way)."""
        return self.decode(self.encode(r)).clamp(*RATING_RANGE)

    def loss(self, r: torch.Tensor) -> dict[str, torch.Tensor]:
        observed = (r > 0).float()  # 0 is "not rated": only what was rated is reconstructed (eq. 2's ⊙ mask)
        recon = ((self.decode(self.encode(r)) - r).pow(2) * observed).sum() / observed.sum().clamp_min(1.0)
        # λ/2 (‖W‖² + ‖V‖²), per observed rating so that λ means the same at any batch size
        decay = 0.5 * (self.encoder.weight.pow(2).sum() + self.decoder.weight.pow(2).sum())
        decay = decay / observed.sum().clamp_min(1.0)
        return {"loss": recon + self.config.weight_decay * decay, "recon": recon, "weight_decay": decay}


def _normalised(x: torch.Tensor) -> torch.Tensor:
    return F.normalize(x, dim=1)  # Liang et al. normalise each user's history to unit length


class MultDAE(nn.Module):
    """Mult-DAE: dropout on the history, tanh layers, a multinomial over the items."""

    kind = "multdae"

    def __init__(self, config: RatingsConfig):
        super().__init__()
        self.config = config
        self.encoder = nn.Sequential(nn.Linear(config.n_items, config.hidden), nn.Tanh(),
                                     nn.Linear(config.hidden, self.code_outputs(config)))
        self.decoder = nn.Sequential(nn.Linear(config.latent_dim, config.hidden), nn.Tanh(),
                                     nn.Linear(config.hidden, config.n_items))

    @property
    def regulariser(self) -> str | None:
        return KINDS[self.kind].regulariser

    @staticmethod
    def code_outputs(config: RatingsConfig) -> int:
        return config.latent_dim

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.encoder(_normalised(x)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The logits of the multinomial: a user's scores of every item (higher: recommended first)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    @staticmethod
    def multinomial_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """−Σ_i x_i log π_i(z), π = softmax(logits), averaged over the users (Liang et al. eq. 1)."""
        return -(F.log_softmax(logits, dim=1) * x).sum(dim=1).mean()

    def loss(self, x: torch.Tensor, beta: float | None = None) -> dict[str, torch.Tensor]:
        dropped = F.dropout(_normalised(x), p=self.config.dropout, training=self.training)
        recon = self.multinomial_nll(self.decode(torch.tanh(self.encoder(dropped))), x)
        decay = sum(p.pow(2).sum() for name, p in self.named_parameters() if name.endswith("weight")) / x.shape[0]
        return {"loss": recon + self.config.weight_decay * decay, "recon": recon, "weight_decay": decay}


class MultVAE(MultDAE):
    """Mult-VAE: a Gaussian q(z|x), the multinomial likelihood, β·KL annealed from 0 (the partially
    regularised VAE of Liang et al. § 2.2.2)."""

    kind = "multvae"

    @staticmethod
    def code_outputs(config: RatingsConfig) -> int:
        return 2 * config.latent_dim

    def encode_distribution(self, x: torch.Tensor, dropout: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        h = _normalised(x)
        if dropout:
            h = F.dropout(h, p=self.config.dropout, training=self.training)
        mu, logvar = self.encoder(h).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_distribution(x)[0]

    def loss(self, x: torch.Tensor, beta: float | None = None) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode_distribution(x, dropout=True)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        recon = self.multinomial_nll(self.decode(z), x)
        kl = gaussian_kl(mu, logvar).mean()
        beta = self.config.beta if beta is None else beta
        return {"loss": recon + beta * kl, "recon": recon, "kl": kl}

    def beta_at(self, step: int) -> float:
        """β after ``step`` updates: linear from 0 to ``beta`` over ``anneal_steps`` (Liang et al. § 2.2.2)."""
        if self.config.anneal_steps == 0:
            return self.config.beta
        return self.config.beta * min(1.0, step / self.config.anneal_steps)


RECOMMENDER_CLASSES: tuple[type[nn.Module], ...] = (ItemAutoRec, MultDAE, MultVAE)
RECOMMENDERS: dict[str, type[nn.Module]] = {cls.kind: cls for cls in RECOMMENDER_CLASSES}
