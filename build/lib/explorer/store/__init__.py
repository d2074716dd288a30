"""What lies on disk: checkpoints, the zoo and its catalogue, precomputed maps and views, browser decoders."""
