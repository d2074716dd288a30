"""Side by side with pythae (Chadebec et al. 2022): its AE, VAE and WAE-MMD with its MNIST
benchmark conv nets, against ours, on the same Fashion-MNIST split, latent size, epochs and
batch size, measured by the same code.

    pip install -r bench/requirements.txt
    python bench/peer_pythae.py [--epochs 2] [--train-images 10000] [--data-root DIR]

pythae's settings are its defaults, with its MNIST benchmark config where it has one
(WAE: IMQ kernel, reg_weight 1, kernel_bandwidth 2; batch 100, learning rate 1e-3; its
Adversarial_AE with its default MLP discriminator and its own trainer, both rates 1e-3).
Ours are trained with our defaults (batch norm, one-cycle to 3e-3: docs/zoo.md, choosing the backbone).
Printed, per kind: test MSE (10,000 images), FID-c of 10,000 N(0, I) samples
(explorer.metrics.fid's classifier), seconds per epoch and parameters, for
- pythae, and ours with the same epochs (the like-for-like row);
- ours given half of pythae's training time (as many epochs as fit; ``--no-equal-time`` skips it);
- ours as shipped in pretrained/ (full training split, the zoo's epochs), measured by the same code.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from explorer.data.datasets import load_split, pretrained_dir, to_float
from explorer.metrics.fid import features, frechet_distance, load_classifier
from explorer.metrics.measure import mse_per_image
from explorer.models.nets import ModelConfig, count_parameters
from explorer.store.checkpoint import load_pretrained
from explorer.training.train import train_model


def pythae_model(kind: str, latent: int):
    from pythae.models import (
        AE,
        VAE,
        WAE_MMD,
        Adversarial_AE,
        Adversarial_AE_Config,
        AEConfig,
        VAEConfig,
        WAE_MMD_Config,
    )
    from pythae.models.nn.benchmarks.mnist import Decoder_Conv_AE_MNIST, Encoder_Conv_AE_MNIST, Encoder_Conv_VAE_MNIST

    shape = (1, 28, 28)
    if kind == "ae":
        config = AEConfig(input_dim=shape, latent_dim=latent)
        return AE(config, encoder=Encoder_Conv_AE_MNIST(config), decoder=Decoder_Conv_AE_MNIST(config))
    if kind == "vae":
        config = VAEConfig(input_dim=shape, latent_dim=latent)
        return VAE(config, encoder=Encoder_Conv_VAE_MNIST(config), decoder=Decoder_Conv_AE_MNIST(config))
    if kind == "aae":  # its defaults (an MLP discriminator, a Gaussian encoder as pythae's AAE has)
        config = Adversarial_AE_Config(input_dim=shape, latent_dim=latent)
        return Adversarial_AE(config, encoder=Encoder_Conv_VAE_MNIST(config), decoder=Decoder_Conv_AE_MNIST(config))
    config = WAE_MMD_Config(input_dim=shape, latent_dim=latent, kernel_choice="imq", reg_weight=1, kernel_bandwidth=2.0)
    return WAE_MMD(config, encoder=Encoder_Conv_AE_MNIST(config), decoder=Decoder_Conv_AE_MNIST(config))


def train_pythae(kind: str, latent: int, train: torch.Tensor, epochs: int, batch: int) -> tuple[object, float]:
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import AdversarialTrainerConfig, BaseTrainerConfig

    model = pythae_model(kind, latent)
    with tempfile.TemporaryDirectory() as out:
        settings = {"output_dir": out, "num_epochs": epochs, "per_device_train_batch_size": batch,
                        "per_device_eval_batch_size": batch, "steps_saving": None, "no_cuda": True, "seed": 0}
        config = (AdversarialTrainerConfig(**settings, autoencoder_learning_rate=1e-3, discriminator_learning_rate=1e-3)
                  if kind == "aae" else BaseTrainerConfig(**settings, learning_rate=1e-3))
        start = time.perf_counter()
        TrainingPipeline(training_config=config, model=model)(train_data=to_float(train).numpy())
        seconds = (time.perf_counter() - start) / epochs
    return model.eval(), seconds


@torch.no_grad()
def pythae_codes_and_decode(model):
    def encode(x):
        return model.encoder(x).embedding

    def decode(z):
        return model.decoder(z).reconstruction.clamp(0, 1)

    return encode, decode


@torch.no_grad()
def measure(encode, decode, test: torch.Tensor, classifier, test_features, latent: int) -> tuple[float, float]:
    x = to_float(test)
    recon = torch.cat([decode(encode(x[i : i + 500])) for i in range(0, len(x), 500)])
    z = torch.randn(len(x), latent, generator=torch.Generator().manual_seed(0))
    samples = torch.cat([decode(z[i : i + 500]) for i in range(0, len(z), 500)])
    return mse_per_image(recon, x).mean().item(), frechet_distance(features(classifier, samples), test_features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-images", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--kinds", nargs="+", default=["ae", "vae", "wae", "aae"])
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--no-equal-time", action="store_true", help="skip the row trained for half pythae's time")
    args = parser.parse_args()
    torch.manual_seed(0)
    train = load_split(args.dataset, "train", args.data_root)[0][: args.train_images]
    test = load_split(args.dataset, "test", args.data_root)[0]
    classifier = load_classifier(args.dataset)
    test_features = features(classifier, test)
    rows = []
    for kind in args.kinds:
        peer, peer_seconds = train_pythae(kind, args.latent_dim, train, args.epochs, args.batch_size)
        encode, decode = pythae_codes_and_decode(peer)
        rows.append(("pythae", kind, *measure(encode, decode, test, classifier, test_features, args.latent_dim),
                     peer_seconds, count_parameters(peer)))
        start = time.perf_counter()
        ours, _ = train_model(ModelConfig(kind=kind, dataset=args.dataset, latent_dim=args.latent_dim), train,
                              args.epochs, batch_size=args.batch_size, progress=False)
        our_seconds = (time.perf_counter() - start) / args.epochs
        rows.append(("explorer, same epochs", kind, *measure(ours.encode, ours.decode, test, classifier,
                                                             test_features, args.latent_dim),
                     our_seconds, count_parameters(ours)))
        if not args.no_equal_time:
            epochs = max(args.epochs, int(0.5 * peer_seconds * args.epochs / our_seconds))
            ours, _ = train_model(ModelConfig(kind=kind, dataset=args.dataset, latent_dim=args.latent_dim), train,
                                  epochs, batch_size=args.batch_size, progress=False)
            rows.append((f"explorer, half pythae's time ({epochs} epochs)", kind,
                         *measure(ours.encode, ours.decode, test, classifier, test_features, args.latent_dim),
                         our_seconds, count_parameters(ours)))
        shipped = pretrained_dir() / args.dataset / f"{kind}-z{args.latent_dim}"
        if (shipped / "model.safetensors").is_file():
            ours = load_pretrained(shipped)
            rows.append((f"explorer, shipped ({ours.config.name}, full split)", kind,
                         *measure(ours.encode, ours.decode, test, classifier, test_features, args.latent_dim),
                         float("nan"), count_parameters(ours)))
    print(f"{args.dataset}, {len(train)} training images, {args.epochs} epochs, batch {args.batch_size}, "
          f"latent {args.latent_dim}, CPU threads {torch.get_num_threads()}")
    print("| implementation | kind | test MSE | FID-c N(0, I) | s / epoch | parameters |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for impl, kind, mse, fid, seconds, params in rows:
        shown = "–" if math.isnan(seconds) else f"{seconds:.1f}"  # NaN: not trained in this run
        print(f"| {impl} | {kind} | {mse:.4f} | {fid:.2f} | {shown} | {params:,} |")


if __name__ == "__main__":
    main()
