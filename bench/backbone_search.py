"""What makes our backbone good at equal epochs: each change measured, the ones that did not help too.

    python bench/backbone_search.py [--kinds ae vae wae] [--epochs 2] [--train-images 10000]

The setting of bench/peer_pythae.py's like-for-like row (the first 10,000 Fashion-MNIST training
images, 2 epochs, batch 100, latent 16, seed 0), one row per variant: test MSE on the whole test
split, FID-c of 10,000 N(0, I) samples and of 10,000 samples of a 10-component mixture fitted to the
training codes (explorer.metrics.fid's classifier), seconds per epoch, parameters.
Each variant is the previous recipe with one thing changed, so a row says what that one thing does.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from bench.peer_pythae import measure as measure_prior
from explorer.data.datasets import load_split, to_float
from explorer.metrics.fid import features, frechet_distance, load_classifier
from explorer.models import losses
from explorer.models.nets import ModelConfig, count_parameters
from explorer.training.train import train_model


@dataclasses.dataclass
class Variant:
    label: str
    model: dict = dataclasses.field(default_factory=dict)  # ModelConfig fields
    lr: float = 1e-3
    schedule: str = "constant"
    imq_scales: tuple | None = None  # the WAE's kernel scales (explorer.models.losses.IMQ_SCALES)
    kl_warmup: float = 0.0  # the VAE's KL weight ramps from 0 to β over this share of the steps
    code_norm: bool = False  # the codes batch-normalised without affine parameters (zero mean, unit scale)
    kinds: tuple = ("ae", "vae", "wae")


FIRST = {"norm": "none"}
BN = {"norm": "batch"}
WIDE = {"norm": "batch", "channels": (64, 128), "hidden": 256}
VARIANTS = [
    Variant("first zoo's recipe (no norm, Adam 1e-3 constant)", FIRST),
    Variant("+ one-cycle schedule, 1e-3", FIRST, schedule="onecycle"),
    Variant("+ batch norm, constant 1e-3", BN),
    Variant("+ batch norm, one-cycle 1e-3", BN, schedule="onecycle"),
    Variant("+ batch norm, one-cycle 3e-3", BN, lr=3e-3, schedule="onecycle"),
    Variant("+ batch norm, one-cycle 1e-2", BN, lr=1e-2, schedule="onecycle"),
    Variant("+ batch norm, wider (64, 128; 256), one-cycle 3e-3", WIDE, lr=3e-3, schedule="onecycle"),
    Variant("WAE λ = 10", dict(BN, mmd_lambda=10.0), lr=3e-3, schedule="onecycle", kinds=("wae",)),
    Variant("WAE λ = 1000", dict(BN, mmd_lambda=1000.0), lr=3e-3, schedule="onecycle", kinds=("wae",)),
    Variant("WAE kernel scales 1 only", BN, lr=3e-3, schedule="onecycle", imq_scales=(1.0,), kinds=("wae",)),
    Variant("VAE β = 0.5", dict(BN, beta=0.5), lr=3e-3, schedule="onecycle", kinds=("vae",)),
    Variant("VAE KL warm-up over the first half", BN, lr=3e-3, schedule="onecycle", kl_warmup=0.5, kinds=("vae",)),
    Variant("AE codes batch-normalised (unit scale)", BN, lr=3e-3, schedule="onecycle", code_norm=True,
            kinds=("ae",)),
    Variant("AAE λ = 1", dict(BN, adversarial_weight=1.0), lr=3e-3, schedule="onecycle", kinds=("aae",)),
    Variant("AAE λ = 10", dict(BN, adversarial_weight=10.0), lr=3e-3, schedule="onecycle", kinds=("aae",)),
    Variant("AAE λ = 50", dict(BN, adversarial_weight=50.0), lr=3e-3, schedule="onecycle", kinds=("aae",)),
]


def patched(variant: Variant, steps: int):
    """The measurement-only changes (a KL warm-up, normalised codes), patched in for one run; undo() restores."""
    from explorer.models.nets import VariationalAutoEncoder
    from explorer.training import train

    build, vae_loss = train.build_model, VariationalAutoEncoder.loss
    if variant.code_norm:
        def build_with_code_norm(config):
            model = build(config)
            model.encoder.net.append(torch.nn.BatchNorm1d(config.latent_dim, affine=False))
            return model
        train.build_model = build_with_code_norm
    if variant.kl_warmup:
        count = {"step": 0}

        def warmed_loss(self, x):
            terms = vae_loss(self, x)
            if self.training:
                count["step"] += 1
                weight = min(1.0, count["step"] / (variant.kl_warmup * steps))
                terms["loss"] = terms["recon"] + weight * self.config.beta * terms["kl"]
            return terms
        VariationalAutoEncoder.loss = warmed_loss

    def undo():
        train.build_model, VariationalAutoEncoder.loss = build, vae_loss
    return undo


@torch.no_grad()
def measure(model, train: torch.Tensor, test: torch.Tensor, classifier, test_features) -> tuple[float, float, float]:
    """Test MSE and FID-c of N(0, I) samples as bench/peer_pythae.py measures them, and FID-c of samples
    from a 10-component mixture fitted to the training codes."""
    from explorer.samplers import GaussianMixtureSampler

    model.eval()
    mse, fid = measure_prior(model.encode, model.decode, test, classifier, test_features, model.config.latent_dim)
    codes = torch.cat([model.encode(to_float(train[i : i + 500])) for i in range(0, len(train), 500)])
    mixture = GaussianMixtureSampler.fit(codes.numpy(), seed=0).sample(len(test), seed=0)
    mixed = torch.cat([model.decode(mixture[i : i + 500]) for i in range(0, len(mixture), 500)])
    return mse, fid, frechet_distance(features(classifier, mixed), test_features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-images", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--kinds", nargs="+", default=["ae", "vae", "wae", "aae"])
    parser.add_argument("--only", nargs="+", type=int, default=None, help="the variants' numbers (from 0)")
    args = parser.parse_args()
    train = load_split(args.dataset, "train")[0][: args.train_images]
    test = load_split(args.dataset, "test")[0]
    classifier = load_classifier(args.dataset)
    test_features = features(classifier, test)
    print(f"{args.dataset}, {len(train)} training images, {args.epochs} epochs, batch {args.batch_size}, "
          f"latent {args.latent_dim}, CPU threads {torch.get_num_threads()}")
    print("| # | variant | kind | test MSE | FID-c N(0, I) | FID-c GMM | s / epoch | parameters |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for number, variant in enumerate(VARIANTS):
        if args.only is not None and number not in args.only:
            continue
        for kind in (k for k in args.kinds if k in variant.kinds):
            scales = losses.IMQ_SCALES
            losses.IMQ_SCALES = variant.imq_scales or scales
            undo = patched(variant, args.epochs * -(-len(train) // args.batch_size))
            try:
                config = ModelConfig(kind=kind, dataset=args.dataset, latent_dim=args.latent_dim, **variant.model)
                start = time.perf_counter()
                model, _ = train_model(config, train, args.epochs, batch_size=args.batch_size, lr=variant.lr,
                                       schedule=variant.schedule, progress=False)
                seconds = (time.perf_counter() - start) / args.epochs
            finally:
                losses.IMQ_SCALES = scales
                undo()
            mse, fid, fid_gmm = measure(model, train, test, classifier, test_features)
            print(f"| {number} | {variant.label} | {kind} | {mse:.4f} | {fid:.2f} | {fid_gmm:.2f} | {seconds:.1f} | "
                  f"{count_parameters(model):,} |", flush=True)


if __name__ == "__main__":
    main()
