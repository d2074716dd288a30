"""Precompute the 2-D map of each checkpoint's test codes, shipped beside its weights.

    python -m explorer.embed pretrained/mnist/vae-z16     # one checkpoint
    python -m explorer.embed --all                         # every checkpoint in pretrained/

Latent-2 models are drawn from their codes; the others through UMAP with a fixed seed
(``n_neighbors`` 15, ``min_dist`` 0.1, seed 0), over the whole shipped test split.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from explorer.catalog import list_models
from explorer.data import DATASETS, DatasetUnavailable
from explorer.project import DEFAULT_UMAP, MAP_FILE, LatentMap, latent_plane_map, save_map, umap_project


def compute_shipped_map(folder: Path, n_neighbors: int, min_dist: float, seed: int) -> LatentMap:
    from explorer.checkpoint import load_pretrained
    from explorer.data import load_shipped_test
    from explorer.latent import encode

    model = load_pretrained(folder)
    images, _ = load_shipped_test(model.config.dataset)
    z = encode(model, images).numpy()
    if z.shape[1] == 2:
        return latent_plane_map(z)
    return umap_project(z, n_neighbors=n_neighbors, min_dist=min_dist, seed=seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.embed", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every available checkpoint in pretrained/")
    parser.add_argument("--missing", action="store_true", help="only checkpoints without a map.npz")
    parser.add_argument("--n-neighbors", type=int, default=DEFAULT_UMAP["n_neighbors"])
    parser.add_argument("--min-dist", type=float, default=DEFAULT_UMAP["min_dist"])
    parser.add_argument("--seed", type=int, default=DEFAULT_UMAP["seed"])
    args = parser.parse_args(argv)
    folders = list(args.folders)
    if args.all or args.missing:
        folders += [m.folder for d in DATASETS for m in list_models(d) if m.available and not (args.missing and m.has_map)]
    if not folders:
        parser.error("name checkpoint folders, or pass --all / --missing")
    from explorer.checkpoint import CheckpointError

    for folder in folders:
        start = time.perf_counter()
        try:
            latent_map = compute_shipped_map(folder, args.n_neighbors, args.min_dist, args.seed)
        except (CheckpointError, DatasetUnavailable) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        save_map(Path(folder) / MAP_FILE, latent_map)
        print(f"{folder}: {latent_map.method} map of {len(latent_map.xy)} points in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
