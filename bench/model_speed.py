"""Encoding throughput (images/s) and single-image decode latency (ms) per shipped model on this CPU.

    python bench/model_speed.py

The reference in the same run: a plain 784→d linear map (PCA's cost) on the same batch.
Training speed is bench/train_speed.py (the zoo's metrics.json keeps the seconds of its
own run, which depend on what else the machine was doing then).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import torch

    from explorer.data.datasets import DATASETS, load_shipped_test, to_float
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained

    torch.set_grad_enabled(False)
    print(f"CPU threads {torch.get_num_threads()}")
    print(f"{'model':28s} {'encode img/s':>12s} {'vs linear':>9s} {'decode 1 ms':>11s}")
    for dataset in DATASETS:
        x = to_float(load_shipped_test(dataset)[0][:5000])
        for info in list_models(dataset):
            if not info.available:
                continue
            model = load_pretrained(info.folder)
            linear = torch.nn.Linear(784, info.latent_dim)
            model.encode(x[:500])
            start = time.perf_counter()
            for i in range(0, len(x), 1000):
                model.encode(x[i : i + 1000])
            enc = len(x) / (time.perf_counter() - start)
            start = time.perf_counter()
            for i in range(0, len(x), 1000):
                linear(x[i : i + 1000].flatten(1))
            ref = len(x) / (time.perf_counter() - start)
            z = torch.zeros(1, info.latent_dim)
            laps = []
            for _ in range(50):
                start = time.perf_counter()
                model.decode(z)
                laps.append(time.perf_counter() - start)
            print(f"{dataset + '/' + info.name:28s} {enc:12.0f} {enc / ref:9.2f} {statistics.median(laps) * 1000:11.2f}")


if __name__ == "__main__":
    main()
