"""Encoding throughput across Dask workers against the plain single-process path.

    python bench/distributed_encoding.py [--model pretrained/mnist/vae-z16] [--images 60000] [--workers 1 2 4]

A memory-mapped .npy of --images MNIST-sized images (the shipped test split repeated) is encoded by the model:
first in this process (explorer.analysis.latent.encode, all its threads), then by explorer.analysis.distributed
on a local Dask cluster of each --workers count (one thread each; the cluster's start is counted).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "pretrained" / "mnist" / "vae-z16")
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args(argv)
    import numpy as np
    import torch

    from explorer.analysis.distributed import encode_file
    from explorer.analysis.latent import encode
    from explorer.data.datasets import load_shipped_arrays
    from explorer.store.checkpoint import load_pretrained

    test, _ = load_shipped_arrays("mnist")
    images = np.resize(test, (args.images, *test.shape[1:]))
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "images.npy"
        np.save(path, images)
        model = load_pretrained(args.model)
        start = time.perf_counter()
        plain = encode(model, torch.from_numpy(np.array(np.load(path, mmap_mode="r", allow_pickle=False))[:, None])).numpy()
        seconds = time.perf_counter() - start
        print(f"one process ({torch.get_num_threads()} threads): {args.images / seconds:,.0f} images/s", flush=True)
        for workers in args.workers:
            start = time.perf_counter()
            codes = encode_file(args.model, path, workers=workers)
            took = time.perf_counter() - start
            same = np.abs(codes - plain).max()
            print(f"Dask, {workers} worker(s): {args.images / took:,.0f} images/s (ratio {seconds / took:.2f}; "
                  f"largest difference from one process {same:.1e})", flush=True)


if __name__ == "__main__":
    main()
