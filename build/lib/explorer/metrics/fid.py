"""Classifier FID ("FID-c"): the Fréchet distance between the penultimate-layer features of a
small LeNet-style classifier trained per dataset by this project (no Inception weights offline).

The command line is explorer/commands/fid.py (``python -m explorer.fid``): its docstring says how to use it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from explorer.data.datasets import pretrained_dir, to_float
from explorer.errors import CheckpointError

CLASSIFIER_DIR = "classifier"
FEATURES = 128


class Classifier(nn.Module):
    """LeNet-style: two conv blocks, a 128-unit feature layer, ten logits."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),  # 28 → 26 → 13
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),  # 13 → 11 → 5
            nn.Flatten(), nn.Linear(64 * 5 * 5, FEATURES), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@torch.no_grad()
def features(classifier: Classifier, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Feature vectors (N×128, float64) of uint8 or [0, 1] float images."""
    classifier.eval()
    out = []
    for i in range(0, len(images), batch_size):
        x = images[i : i + batch_size]
        x = to_float(x) if x.dtype == torch.uint8 else x.reshape(-1, 1, 28, 28).float()
        out.append(classifier.features(x).double().numpy())
    return np.concatenate(out)


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) between two feature samples (Heusel et al. 2017)."""
    import warnings

    from scipy import linalg

    mu1, mu2 = f1.mean(axis=0), f2.mean(axis=0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)  # dead ReLU features make Σ singular
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():  # near-singular product: nudge both, as the reference code does
            eye = np.eye(len(s1)) * 1e-6
            covmean = linalg.sqrtm((s1 + eye) @ (s2 + eye))
    covmean = covmean.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def train_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 3, seed: int = 0) -> Classifier:
    torch.manual_seed(seed)
    model = Classifier()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(images), generator=order).split(128):
            loss = nn.functional.cross_entropy(model(to_float(images[idx])), labels[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: Classifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    predictions = torch.cat([model(to_float(images[i : i + 1000])).argmax(1) for i in range(0, len(images), 1000)])
    return (predictions == labels).float().mean().item()


def classifier_folder(dataset: str) -> Path:
    return pretrained_dir() / dataset / CLASSIFIER_DIR


def save_classifier(model: Classifier, folder: Path, metrics: dict) -> None:
    """Written beside ``folder`` and swapped into place, as a checkpoint is (explorer.store.folders)."""
    import shutil

    from safetensors.torch import save_file

    from explorer.store.folders import replace_folder, staging_folder

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_folder(folder)
    try:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps({"architecture": "lenet", "features": FEATURES}, indent=2) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        tmp.chmod(0o755)
        replace_folder(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_classifier(dataset: str) -> Classifier:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = classifier_folder(dataset) / "model.safetensors"
    if not path.is_file():
        raise CheckpointError(f"file is missing (train it: python -m explorer.fid train --dataset {dataset})", path)
    model = Classifier()
    try:
        model.load_state_dict(load_file(str(path)))
    except (SafetensorError, RuntimeError, OSError) as err:
        raise CheckpointError(f"corrupted or mismatched ({err})", path) from None
    return model.eval()
