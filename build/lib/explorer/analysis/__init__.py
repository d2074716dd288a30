"""What the pages compute from codes: encoding, maps, posteriors, neighbours, attributes, denoising, applications."""
