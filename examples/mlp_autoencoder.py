"""An autoencoder of another shape than the package's: two dense layers each way, no convolution.

The example of the contract in explorer/custom.py: a class built from a config dict, with
``encode`` (images N×C×H×W in [0, 1] → codes) and ``decode`` (codes → images in [0, 1]).
``examples/train_mlp_example.py`` trains it on generated colour images and writes a zoo folder
the app opens with ``--trust-module examples.mlp_autoencoder``.
"""

from __future__ import annotations

import torch
from torch import nn


class MLPAutoEncoder(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        self.shape = tuple(config["image_shape"])  # C, H, W
        pixels = self.shape[0] * self.shape[1] * self.shape[2]
        hidden, latent = int(config.get("hidden", 256)), int(config["latent_dim"])
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z)).view(len(z), *self.shape)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Squared error per pixel: the plain autoencoder's objective (the survey's §2)."""
        return ((self.decode(self.encode(x)) - x) ** 2).mean()
