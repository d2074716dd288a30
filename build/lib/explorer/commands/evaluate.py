"""Test-set figures of a checkpoint: reconstruction MSE and PSNR, plus KL (vae), MMD (wae) or the
encoder's adversarial loss (aae).

    python -m explorer.evaluate pretrained/fashion-mnist/vae-z16 [--data-root DIR] [--limit N]
    python -m explorer.evaluate pretrained/mnist/aae-z16 --quality   # … and its FID-c figures
    python -m explorer.evaluate --all [--write-readme]
    python -m explorer.evaluate --table [--write-readme]   # the table from the stored figures only

The figures are written into the folder's metrics.json under "test". ``--all`` measures
every shipped model's quality (MSE, PSNR, and classifier FID of reconstructions, of
N(0, I) samples and of Gaussian-mixture samples) into metrics.json under "quality",
prints the markdown table with its calibration rows, and with ``--write-readme`` puts
it in docs/zoo.md between the zoo-table markers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.commands.args import DEVICES, ArgumentParser, fail, positive_int, resolve_device
from explorer.data.datasets import DATASETS
from explorer.errors import CheckpointError, DatasetUnavailable
from explorer.metrics.evaluate import (
    ZOO_DOC,
    evaluate_model,
    measure_calibration,
    measure_model_quality,
    measure_quality,
    quality_table,
    test_images,
    write_readme_table,
)
from explorer.store.checkpoint import load_pretrained, read_metrics, write_metrics


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m explorer.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", help="a checkpoint folder, e.g. pretrained/mnist/vae-z16")
    parser.add_argument("--all", action="store_true", help="the quality table of every shipped model")
    parser.add_argument("--write-readme", action="store_true", help="with --all or --table: put the table in docs/zoo.md (where the README held it once)")
    parser.add_argument("--quality", action="store_true",
                        help="with a folder: measure its quality figures (FID-c …) into its metrics.json")
    parser.add_argument("--table", action="store_true",
                        help="the quality table from the figures already stored, measuring nothing")
    parser.add_argument("--calibration", action="store_true",
                        help="measure only the FID-c calibration rows of each dataset (pretrained/<dataset>/quality.json)")
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="evaluate on the first N test images only (printed, not written to metrics.json)")
    parser.add_argument("--device", default="cpu", choices=DEVICES)
    args = parser.parse_args(argv)
    try:
        device = resolve_device(args.device)
    except ValueError as err:
        parser.error(str(err))
    if args.calibration:
        try:
            for dataset in DATASETS:
                print(dataset, measure_calibration(dataset, args.data_root))
        except (CheckpointError, DatasetUnavailable) as err:
            return fail(str(err))
        return 0
    if args.all or args.table:
        try:
            if args.all:
                measure_quality(args.data_root)
            table = quality_table()
        except (CheckpointError, DatasetUnavailable) as err:
            return fail(str(err))
        print(table)
        if args.write_readme:
            write_readme_table(table, ZOO_DOC)
        return 0
    if args.folder is None:
        parser.error("name a checkpoint folder, or pass --all")
    try:
        model = load_pretrained(args.folder, device=device)
        metrics = read_metrics(args.folder)
        images = test_images(model.config.dataset, args.data_root)
    except (CheckpointError, DatasetUnavailable) as err:
        return fail(str(err))
    if args.limit is not None:
        images = images[: args.limit]
    figures = evaluate_model(model, images)
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    if args.limit is not None:  # figures on part of the split never replace those on all of it
        print("not written to metrics.json: --limit measures part of the test split", file=sys.stderr)
        return 0
    metrics["test"] = figures
    write_metrics(args.folder, metrics)
    if args.quality:
        try:
            quality = measure_model_quality(args.folder)
        except (CheckpointError, DatasetUnavailable) as err:
            return fail(str(err))
        print(" ".join(f"{k}={v:.4g}" for k, v in quality.items() if isinstance(v, float)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
