"""UMAP of many codes: time and faithfulness of the map of N codes, fitted on a sample of 50,000 and the rest placed
(explorer.analysis.project.umap_fit_then_place), against umap-learn fitted on all of them.

    python bench/large_umap.py [--sizes 50000 100000 200000 1000000] [--whole-up-to 100000] [--markdown]

Codes: synthetic, 16-D, ten Gaussian clusters with unequal spreads (seeded). Each map is computed in a fresh
process (numba's compile counted once per process, as a command pays it); printed: seconds, seconds per 100,000
codes, and the map's trustworthiness and k-NN kept over 2,000 points (explorer.analysis.project.faithfulness).
``--whole-up-to``: sizes up to this are also fitted whole (umap-learn's own nearest-neighbour search).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE = """
import json, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from explorer.analysis.project import faithfulness, umap_project
n, whole = {n}, {whole}
rng = np.random.default_rng(0)
labels = rng.integers(0, 10, n)
centres = rng.normal(scale=4, size=(10, 16))
spread = rng.uniform(0.5, 1.5, size=10)
z = (centres[labels] + rng.normal(size=(n, 16)) * spread[labels, None]).astype(np.float32)
start = time.perf_counter()
m = umap_project(z, seed=0, fit_at_most=n if whole else 50_000)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, **faithfulness(z, m.xy)}}))
"""


def run(n: int, whole: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE.format(root=str(ROOT), n=n, whole=whole)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 100_000, 200_000, 1_000_000])
    parser.add_argument("--whole-up-to", type=int, default=100_000)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        for whole in ([False, True] if 50_000 < n <= args.whole_up_to else [False]):
            result = run(n, whole)
            how = "fitted on all" if whole or n <= 50_000 else "fitted on 50,000, the rest placed"
            rows.append((n, how, result))
            print(f"{n:>9,} codes, {how}: {result['seconds']:.1f} s, trustworthiness {result['trustworthiness']:.3f}, "
                  f"k-NN kept {result['knn_kept']:.1%}", file=sys.stderr)
    if args.markdown:
        print("| codes | UMAP | time | per 100,000 codes | trustworthiness | k-NN kept |")
        print("| ---: | --- | ---: | ---: | ---: | ---: |")
        for n, how, r in rows:
            print(f"| {n:,} | {how} | {r['seconds']:.1f} s | {r['seconds'] / n * 1e5:.1f} s | {r['trustworthiness']:.3f} "
                  f"| {r['knn_kept']:.1%} |")


if __name__ == "__main__":
    main()
