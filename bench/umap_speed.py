"""UMAP on 10,000 latent-16 codes against UMAP on the same images' 784 raw pixels (what a user would otherwise run).

    python bench/umap_speed.py [--model mnist/vae-z16] [--points 10000]

Also the cost of `import umap` and of the first fit (numba compiles once per process), paid before both timed fits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mnist/vae-z16")
    parser.add_argument("--points", type=int, default=10_000)
    args = parser.parse_args()
    import numpy as np

    from explorer.analysis.latent import encode
    from explorer.analysis.project import umap_project
    from explorer.data.datasets import load_shipped_test, pretrained_dir
    from explorer.store.checkpoint import load_pretrained

    dataset, name = args.model.split("/")
    images = load_shipped_test(dataset)[0][: args.points]
    start = time.perf_counter()
    import umap  # noqa: F401

    import_s = time.perf_counter() - start
    # numba compiles UMAP's kernels on the first fit, NN-descent only above 4,096 points: pay that once, untimed
    start = time.perf_counter()
    umap_project(np.random.default_rng(0).normal(size=(5000, 8)).astype(np.float32), seed=0)
    compile_s = time.perf_counter() - start
    z = encode(load_pretrained(pretrained_dir() / dataset / name), images).numpy()
    pixels = images.reshape(len(images), -1).numpy().astype(np.float32) / 255.0
    start = time.perf_counter()
    umap_project(z, seed=0)
    codes_s = time.perf_counter() - start
    start = time.perf_counter()
    umap_project(pixels, seed=0)
    pixels_s = time.perf_counter() - start
    print(f"import umap: {import_s:.1f} s, first (compiling) fit of 5,000 random points: {compile_s:.1f} s (once per process)")
    print(f"UMAP of {len(z)} codes ({z.shape[1]}-D): {codes_s:.1f} s")
    print(f"UMAP of the same {len(z)} images' pixels ({pixels.shape[1]}-D), the reference: {pixels_s:.1f} s")
    print(f"ratio codes / pixels: {codes_s / pixels_s:.2f}  (goal: < 1)")


if __name__ == "__main__":
    main()
