"""Autoencoder Explorer: see what autoencoders learn (after Bank, Koenigstein & Giryes 2020)."""

__version__ = "0.1.0"
