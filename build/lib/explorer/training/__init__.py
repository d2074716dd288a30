"""Training: the loop, and several processes under torchrun."""
