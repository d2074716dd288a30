"""Does a longer schedule pay? One zoo entry retrained for more epochs, measured beside the shipped one.

    python bench/longer_schedule.py mnist/vae-z16 --epochs 20

Trains the entry exactly as `python -m explorer.zoo train` does (same recipe and seed; one-cycle over
the longer run) into a temporary folder — never into pretrained/ —, fits its mixture to the training
codes as `explorer.embed` does, measures it as `explorer.evaluate --quality` does, and prints both
runs' test MSE per epoch and their quality figures side by side. The shipped entry's figures are
read from its metrics.json (the same command measured them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer.store.checkpoint import read_metrics
from explorer.store.zoo import ZooEntry, zoo_entries


def measure(entry: ZooEntry, epochs: int, folder: Path) -> dict:
    from explorer.samplers import GMM_FILE
    from explorer.store.embed import fit_gmm

    started = time.perf_counter()
    subprocess.run(entry.train_command(epochs, out=folder), check=True)
    trained = time.perf_counter()
    fit_gmm(folder, None, 0).save(folder / GMM_FILE)
    subprocess.run([sys.executable, "-m", "explorer.evaluate", str(folder), "--quality"], check=True)
    print(f"trained in {trained - started:.0f} s, mixture and quality in {time.perf_counter() - trained:.0f} s")
    return read_metrics(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entry", help="a zoo entry, e.g. mnist/vae-z16")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    entries = {e.name: e for e in zoo_entries()}
    if args.entry not in entries:
        parser.error(f"unknown entry {args.entry!r}; one of: {', '.join(entries)}")
    entry = entries[args.entry]
    shipped = read_metrics(entry.folder)
    with tempfile.TemporaryDirectory(prefix="longer-schedule-") as tmp:
        longer = measure(entry, args.epochs, Path(tmp) / "model")

    runs = {f"shipped, {len(shipped['history'])} epochs": shipped, f"{args.epochs} epochs": longer}
    print(f"\n{entry.name}: test MSE per epoch")
    print("| epoch | " + " | ".join(runs) + " |")
    print("| ---: |" + " ---: |" * len(runs))
    for epoch in range(1, max(len(r["history"]) for r in runs.values()) + 1):
        cells = [f"{r['history'][epoch - 1]['test_mse']:.4f}" if epoch <= len(r["history"]) else ""
                 for r in runs.values()]
        print(f"| {epoch} | " + " | ".join(cells) + " |")
    print(f"\n{entry.name}: quality on the test split")
    print("| run | test MSE | FID-c recon | FID-c N(0, I) | FID-c GMM | s / epoch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in runs.items():
        q = r["quality"]
        print(f"| {name} | {q['mse']:.4f} | {q['fid_recon']:.2f} | {q['fid_prior']:.2f} | {q['fid_gmm']:.2f} | "
              f"{r['train']['seconds_per_epoch']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
