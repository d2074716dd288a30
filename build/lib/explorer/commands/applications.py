"""What the codes are good for (the survey's section on applications), measured against baselines.

    python -m explorer.applications [--dataset mnist] [--model ae-z16 …] [--no-baselines | --baselines-only]
                                    [--data-root DIR]
    python -m explorer.applications --table [--write-readme]

- **Classification with few labels**: a logistic regression on the codes of n labelled training
  images per class, tested on the whole test split, over several seeded draws of those images;
  the same on raw pixels and on PCA codes of the same size (the survey: an encoder as a feature
  extractor when labels are few).
- **Clustering**: k-means with k = number of classes on the test codes: NMI, adjusted Rand index,
  cluster accuracy (clusters matched to classes by the Hungarian method), the contingency table,
  and each cluster's centre decoded as an image.
- **Dimensionality reduction**: test reconstruction MSE of PCA at every size from 1 to 64, beside
  each autoencoder's at its latent size, and a linear autoencoder trained here at the same sizes
  (the survey's opening point: a linear AE spans PCA's space, a non-linear one can do better).
- **Anomaly detection**: the AUC of reconstruction error separating the other dataset's test images
  from this dataset's.

Each model's figures go to ``applications.json`` beside its weights (stamped with the weights'
fingerprint, so figures of other weights are never shown); the baselines to
``pretrained/<dataset>/baselines.json``. Plain JSON, no pickle.
"""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.analysis.applications import (
    DRAWS,
    README_END,
    README_START,
    applications_table,
    baselines_path,
    load_splits,
    measure_baselines,
    measure_model,
    model_figures_path,
    write_figures,
)
from explorer.analysis.project import weights_fingerprint
from explorer.errors import CheckpointError, DatasetUnavailable

# --- the command -----------------------------------------------------------------------


def run(datasets: list[str], names: list[str] | None, models: bool, baselines: bool, data_root: Path | None,
        draws: int, seed: int = 0) -> int:
    """Measure and write the figures of the named (else every available) model, and the baselines."""
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained

    wrote = 0
    for dataset in datasets:
        chosen = [m for m in list_models(dataset) if m.available and (not names or m.name in names)] if models else []
        if not chosen and not baselines:
            continue
        splits = load_splits(dataset, data_root)
        for info in chosen:
            print(f"{dataset}/{info.name} …", flush=True)
            figures = measure_model(load_pretrained(info.folder), splits, draws=draws, seed=seed)
            figures["weights"] = weights_fingerprint(info.folder)
            write_figures(model_figures_path(info.folder), figures)
            wrote += 1
        if baselines:
            sizes = sorted({m.latent_dim for m in list_models(dataset) if m.available}) or [2]
            print(f"{dataset} baselines (pixels, PCA at {sizes}) …", flush=True)
            write_figures(baselines_path(dataset), measure_baselines(splits, sizes, draws=draws, seed=seed))
            wrote += 1
    if names and not wrote:
        raise CheckpointError(f"no available model is named {', '.join(names)}")
    return wrote


def main(argv: list[str] | None = None) -> int:
    from explorer.commands.args import ArgumentParser, fail, positive_int
    from explorer.data.datasets import DATASETS, all_datasets

    parser = ArgumentParser(prog="python -m explorer.applications", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(all_datasets()), nargs="+", default=list(DATASETS),
                        help="the shipped datasets by default; a zoo of your own's with EXPLORER_ZOO set")
    parser.add_argument("--model", action="append", default=None, help="a model's folder name (repeatable); default: all")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-baselines", action="store_true", help="skip the pixel and PCA baselines")
    which.add_argument("--baselines-only", action="store_true", help="only the pixel and PCA baselines")
    parser.add_argument("--draws", type=positive_int, default=DRAWS, help="draws of the labelled images")
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--table", action="store_true", help="print the table of the stored figures and stop")
    parser.add_argument("--write-readme", action="store_true", help="with --table: put it in docs/zoo.md (where the README held it once)")
    args = parser.parse_args(argv)
    if args.table:
        table = applications_table()
        print(table)
        if args.write_readme:
            from explorer.metrics.evaluate import ZOO_DOC, write_readme_table

            write_readme_table(table, ZOO_DOC, README_START, README_END)
        return 0
    try:
        run(args.dataset, args.model, models=not args.baselines_only,
            baselines=args.baselines_only or not (args.no_baselines or args.model), data_root=args.data_root,
            draws=args.draws)
    except (CheckpointError, DatasetUnavailable) as err:
        return fail(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
