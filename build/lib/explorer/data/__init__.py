"""The data: datasets and their shipped test splits, your own images, corruptions, pictures."""
