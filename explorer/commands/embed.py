"""Precompute what the app shows instantly, shipped beside each checkpoint's weights.

    python -m explorer.embed pretrained/mnist/vae-z16     # one checkpoint
    python -m explorer.embed --all [--force]               # every checkpoint in pretrained/

- ``map.npz``: the 2-D map of the test codes. Latent-2 models are drawn from their
  codes; the others through UMAP with a fixed seed (``n_neighbors`` 15, ``min_dist``
  0.1, seed 0), over the whole shipped test split.
- ``gmm.npz``: the 10-component Gaussian mixture fitted to the training codes (needs
  the training split in the data root; skipped with a note where it is not there).
- ``views.npz``: what the other pages need that costs seconds (explorer.store.precomputed).
Existing files are kept unless ``--force``. ``--map-only`` writes the map alone: the app starts it in the
background for a model that has none (explorer.store.map_job), and says why in the pages if it fails.

A large image set of your own, encoded in batches across processes (or a Dask cluster's machines):

    python -m explorer.embed pretrained/mnist/vae-z16 --images big.npy --codes-out codes.npy [--workers 4]
    python -m explorer.embed FOLDER --images big.npy --codes-out codes.npy --address tcp://scheduler:8786

``big.npy`` (N×H×W or N×H×W×C, uint8 or float in [0, 1]) is memory-mapped; its codes (N×d float32) are
written to ``--codes-out`` (explorer.analysis.distributed). ``--images`` may also name a folder of image files
(flat or class sub-folders): the codes are then in the order of ``CODES.files.txt``, written beside them, and a
file that is not an image is skipped and named.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from explorer.analysis.project import (
    DEFAULT_UMAP,
    MAP_FILE,
    save_map,
)
from explorer.commands.args import ArgumentParser, add_checkpoint_folders, checkpoint_folders, whole_number
from explorer.data.datasets import DatasetUnavailable
from explorer.errors import MapUnavailable
from explorer.processes import PARENT_FLAG, end_with_parent, yield_to_the_server
from explorer.store.embed import add_faithfulness, compute_shipped_map, fit_gmm
from explorer.store.precomputed import VIEWS_FILE, write_views


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m explorer.embed", description=__doc__.splitlines()[0])
    add_checkpoint_folders(parser)
    parser.add_argument("--n-neighbors", type=int, default=DEFAULT_UMAP["n_neighbors"])
    parser.add_argument("--min-dist", type=float, default=DEFAULT_UMAP["min_dist"])
    parser.add_argument("--seed", type=int, default=DEFAULT_UMAP["seed"])
    parser.add_argument("--data-root", type=Path, default=None, help="where the training split is (for gmm.npz)")
    parser.add_argument("--force", action="store_true", help="recompute files that exist")
    parser.add_argument("--faithfulness", action="store_true",
                        help="only measure the faithfulness of maps that have none (no new fit)")
    parser.add_argument("--images", type=Path, help="a .npy of images (memory-mapped) or a folder of image files to "
                                                     "encode instead")
    parser.add_argument("--codes-out", type=Path, help="where --images' codes go (.npy)")
    parser.add_argument("--workers", type=whole_number(1, 256), default=2, help="local worker processes")
    parser.add_argument("--map-only", action="store_true", help="write map.npz alone (the app's background job)")
    parser.add_argument(PARENT_FLAG, type=int, default=None, help="end when this process (the server) ends")
    parser.add_argument("--address", help="a Dask scheduler's address, instead of local workers")
    args = parser.parse_args(argv)
    folders = checkpoint_folders(parser, args)
    if args.images is not None or args.codes_out is not None:
        return encode_images(parser, args, folders)
    if args.map_only:
        return background_maps(args, folders)
    from explorer.samplers import GMM_FILE
    from explorer.store.checkpoint import CheckpointError

    for folder in map(Path, folders):
        try:
            if args.faithfulness:
                measured = add_faithfulness(folder)
                if measured is not None:
                    print(f"{folder}: trustworthiness {measured.params['faithfulness']['trustworthiness']:.3f}, "
                          f"k-NN kept {measured.params['faithfulness']['knn_kept']:.1%}")
                continue
            if args.force or not (folder / MAP_FILE).is_file():
                write_map(folder, args)
            if args.force or not (folder / GMM_FILE).is_file():
                start = time.perf_counter()
                try:
                    fit_gmm(folder, args.data_root, args.seed).save(folder / GMM_FILE)
                    print(f"{folder}: Gaussian mixture on the training codes in {time.perf_counter() - start:.1f} s")
                except DatasetUnavailable as err:
                    print(f"{folder}: no gmm.npz ({err})", file=sys.stderr)
            if args.force or not (folder / VIEWS_FILE).is_file():
                start = time.perf_counter()
                write_views(folder)
                print(f"{folder}: views.npz in {time.perf_counter() - start:.1f} s")
        except (CheckpointError, MapUnavailable, DatasetUnavailable) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    return 0


def write_map(folder: Path, args) -> None:
    """The checkpoint's map.npz (explorer.store.embed.compute_shipped_map), whole or not at all, and what it took."""
    start = time.perf_counter()
    latent_map = compute_shipped_map(folder, args.n_neighbors, args.min_dist, args.seed, progress=placing_progress)
    save_map(folder / MAP_FILE, latent_map)
    print(f"{folder}: {latent_map.method} map of {len(latent_map.xy)} points in {time.perf_counter() - start:.1f} s")


def background_maps(args, folders) -> int:
    """--map-only: each folder's map.npz (UMAP), as the app's background job makes it (explorer.store.map_job): on
    the CPU the server leaves, ended with it; what went wrong is written for the pages to say."""
    from explorer.errors import ExplorerError
    from explorer.store import map_job

    yield_to_the_server()
    end_with_parent(args.parent)
    failed = 0
    for folder in map(Path, folders):
        try:
            if args.force or not (folder / MAP_FILE).is_file():
                write_map(folder, args)
        except ExplorerError as err:
            map_job.record_failure(folder, err.key, **err.fields)
            print(f"error: {err}", file=sys.stderr)
            failed += 1
        except Exception as err:  # said as its type to a visitor, in full in the job's log
            map_job.record_failure(folder, "map.job_error", error=type(err).__name__)
            raise
        finally:
            map_job.job_ended(folder)
    return 2 if failed else 0


def placing_progress(done: int, total: int) -> None:
    """A large map's progress: UMAP fitted on a sample, then the other codes placed batch by batch."""
    print(f"\rplaced {done}/{total} batches of codes on the map", end="" if done < total else "\n", file=sys.stderr,
          flush=True)


def encode_images(parser, args, folders) -> int:
    """--images: one checkpoint's codes of a large image file, encoded across workers."""
    import numpy as np

    from explorer.analysis.distributed import encode_file, encode_folder
    from explorer.errors import EncodingFailed
    from explorer.store.checkpoint import CheckpointError

    if args.images is None or args.codes_out is None or len(folders) != 1:
        parser.error("--images and --codes-out go together, with one checkpoint folder")
    out = args.codes_out
    if out.suffix != ".npy":
        parser.error("--codes-out must name a .npy file")
    listing = out.with_suffix(".files.txt")  # a folder's: which file each row of codes is
    for existing in (out, listing if args.images.is_dir() else None):
        if existing is not None and existing.exists() and not args.force:
            print(f"error: {existing} exists (--force replaces it)", file=sys.stderr)
            return 2
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\rencoded {done}/{total} batches", end="" if done < total else "\n", file=sys.stderr, flush=True)

    files = skipped = None
    try:
        if args.images.is_dir():
            codes, files, skipped = encode_folder(Path(folders[0]), args.images, workers=args.workers,
                                                  address=args.address, progress=progress)
        else:
            codes = encode_file(Path(folders[0]), args.images, workers=args.workers, address=args.address,
                                progress=progress)
    except (EncodingFailed, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if files is not None:  # which file each row is, written first: the codes never stand without it
        partial_listing = listing.with_name(listing.name + ".part")
        partial_listing.write_text("".join(f"{name}\n" for name in files), encoding="utf-8")
        partial_listing.replace(listing)
        if skipped:
            shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            print(f"skipped {len(skipped)} file(s) that are not readable images: {shown}", file=sys.stderr)
    partial = out.with_name(out.name + ".part.npy")
    np.save(partial, codes)
    partial.replace(out)  # whole or not at all
    workers = args.address or f"{args.workers} local workers"
    print(f"{out}: {len(codes)} codes of {codes.shape[1]} in {time.perf_counter() - start:.1f} s ({workers})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
