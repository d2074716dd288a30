"""Test-set figures of a checkpoint: reconstruction MSE and PSNR, plus KL (vae), MMD (wae) or the
encoder's adversarial loss (aae); the zoo's quality table (FID-c of reconstructions and samples).

The command line is explorer/commands/evaluate.py (``python -m explorer.evaluate``): its docstring says how to use it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from explorer.data.datasets import DATASETS, load_shipped_test, load_split, to_float
from explorer.errors import CheckpointError, DatasetUnavailable
from explorer.metrics.measure import mse_per_image, psnr_per_image
from explorer.models.kinds import KINDS
from explorer.models.losses import gaussian_kl, imq_mmd
from explorer.models.nets import AutoEncoder
from explorer.store.checkpoint import load_pretrained, read_metrics, write_metrics, write_metrics_file


@torch.no_grad()
def evaluate_model(model: AutoEncoder, images: torch.Tensor, batch_size: int = 500, seed: int = 0) -> dict[str, float]:
    """Mean test figures over ``images`` (uint8 N×28×28 or float in [0, 1])."""
    model.eval()
    device = next(model.parameters()).device
    mse, psnr, kl, codes = [], [], [], []
    for i in range(0, len(images), batch_size):
        x = images[i : i + batch_size]
        x = (to_float(x) if x.dtype == torch.uint8 else x).to(device)
        if KINDS[model.kind].posterior_variance:
            mu, logvar = model.encode_distribution(x)
            kl.append(gaussian_kl(mu, logvar).cpu())
            z = mu
        else:
            z = model.encode(x)
        codes.append(z.cpu())
        x_hat = model.decode(z)
        mse.append(mse_per_image(x_hat, x).cpu())
        psnr.append(psnr_per_image(x_hat, x).cpu())
    figures = {
        "n_images": len(images),
        "mse": torch.cat(mse).mean().item(),
        "psnr": torch.cat(psnr).mean().item(),
    }
    if KINDS[model.kind].regulariser == "kl":
        figures["kl"] = torch.cat(kl).mean().item()
    if KINDS[model.kind].regulariser == "mmd":
        z = torch.cat(codes)[:2000]
        prior = torch.randn(z.shape, generator=torch.Generator().manual_seed(seed))
        figures["mmd"] = imq_mmd(z, prior).item()
    if KINDS[model.kind].regulariser == "adversarial":  # how far the discriminator still tells the codes apart
        figures["adversarial"] = model.adversarial_loss(torch.cat(codes).to(device)).item()
    return figures


def test_images(dataset: str, data_root: Path | None) -> torch.Tensor:
    """The test split from the data root, else the copy shipped under pretrained/."""
    try:
        return load_split(dataset, "test", data_root)[0]
    except DatasetUnavailable:
        return load_shipped_test(dataset)[0]


N_SAMPLES = 10_000
README_START, README_END = "<!-- zoo-table:start -->", "<!-- zoo-table:end -->"
ZOO_DOC = Path(__file__).resolve().parents[2] / "docs" / "zoo.md"  # the page of the docs that holds the tables


@torch.no_grad()
def model_quality(model: AutoEncoder, folder: Path, classifier, test: torch.Tensor, test_features, seed: int = 0) -> dict:
    """MSE, PSNR and the three FID-c figures of one model against the test split."""
    from explorer.analysis.latent import decode, reconstruct
    from explorer.metrics.fid import features, frechet_distance
    from explorer.samplers import GMM_FILE, GaussianMixtureSampler, NormalSampler

    x = to_float(test)
    recon = reconstruct(model, x)
    d = model.config.latent_dim
    if (folder / GMM_FILE).is_file():
        gmm, gmm_fit = GaussianMixtureSampler.load(folder / GMM_FILE), "train"
    else:
        from explorer.analysis.latent import encode

        gmm, gmm_fit = GaussianMixtureSampler.fit(encode(model, x).numpy(), seed=seed), "test"
    prior = decode(model, NormalSampler(d).sample(N_SAMPLES, seed=seed))
    mixture = decode(model, gmm.sample(N_SAMPLES, seed=seed))
    return {
        "mse": mse_per_image(recon, x).mean().item(),
        "psnr": psnr_per_image(recon, x).mean().item(),
        "fid_recon": frechet_distance(features(classifier, recon), test_features),
        "fid_prior": frechet_distance(features(classifier, prior), test_features),
        "fid_gmm": frechet_distance(features(classifier, mixture), test_features),
        "gmm_fitted_on": gmm_fit,
    }


def calibration(dataset: str, classifier, test: torch.Tensor, test_features, data_root: Path | None) -> dict:
    """The scale of FID-c: the training set against the test set (the floor), and noisy test images."""
    from explorer.metrics.fid import features, frechet_distance

    rows = {}
    try:
        train = load_split(dataset, "train", data_root)[0][: len(test)]
        rows["train set vs test set"] = frechet_distance(features(classifier, train), test_features)
    except DatasetUnavailable:
        pass
    g = torch.Generator().manual_seed(0)
    x = to_float(test)
    for sigma in (0.1, 0.3):
        noisy = (x + sigma * torch.randn(x.shape, generator=g)).clamp(0, 1)
        rows[f"test + N(0, {sigma}²) noise"] = frechet_distance(features(classifier, noisy), test_features)
    return rows


QUALITY_FILE = "quality.json"  # beside a dataset's checkpoints: the FID-c calibration rows


def measure_calibration(dataset: str, data_root: Path | None = None, classifier=None, test=None,
                        test_features=None) -> dict:
    """Measure the FID-c calibration rows of a dataset and write them to pretrained/<dataset>/quality.json."""
    from explorer.data.datasets import pretrained_dir
    from explorer.metrics.fid import features, load_classifier

    classifier = classifier if classifier is not None else load_classifier(dataset)
    test = test if test is not None else load_shipped_test(dataset)[0]
    test_features = test_features if test_features is not None else features(classifier, test)
    rows = calibration(dataset, classifier, test, test_features, data_root)
    write_metrics_file(pretrained_dir() / dataset / QUALITY_FILE, {"calibration": rows, "n_test": len(test)})
    return rows


def measure_model_quality(folder: Path) -> dict:
    """Measure one checkpoint's quality (FID-c and the rest) into its metrics.json; the figures."""
    from explorer.metrics.fid import features, load_classifier

    model = load_pretrained(folder)
    dataset = model.config.dataset
    classifier = load_classifier(dataset)
    test = load_shipped_test(dataset)[0]
    q = model_quality(model, folder, classifier, test, features(classifier, test))
    metrics = read_metrics(folder)
    metrics["quality"] = q
    write_metrics(folder, metrics)
    return q


def measure_quality(data_root: Path | None = None) -> None:
    """Measure every shipped model's quality into its metrics.json, and each dataset's calibration rows."""
    from explorer.metrics.fid import features, load_classifier
    from explorer.store.catalog import list_models

    for dataset in DATASETS:
        models = [m for m in list_models(dataset) if m.available]
        if not models:
            continue
        classifier = load_classifier(dataset)
        test = load_shipped_test(dataset)[0]
        test_features = features(classifier, test)
        for info in models:
            q = model_quality(load_pretrained(info.folder), info.folder, classifier, test, test_features)
            metrics = read_metrics(info.folder)
            metrics["quality"] = q
            write_metrics(info.folder, metrics)
        measure_calibration(dataset, data_root, classifier, test, test_features)


def quality_rows(dataset: str) -> tuple[list[dict], dict]:
    """The stored quality figures of every available model of a dataset, and its calibration rows.

    Reads only what ``measure_quality`` wrote (no model is run): the docs' table and the
    app's quality page both come from here.
    """
    import json

    from explorer.data.datasets import pretrained_dir
    from explorer.store.catalog import list_models

    rows = []
    for info in (m for m in list_models(dataset) if m.available):
        try:
            metrics = read_metrics(info.folder)
        except CheckpointError:
            continue
        q = metrics.get("quality", {})
        rows.append({"name": info.name, "kind": info.kind, "latent_dim": info.latent_dim,
                     "epochs": len(metrics.get("history", [])), **q})
    try:
        stored = json.loads((pretrained_dir() / dataset / QUALITY_FILE).read_text(encoding="utf-8"))
        calibration_rows = {str(k): float(v) for k, v in stored.get("calibration", {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        calibration_rows = {}
    return rows, calibration_rows


def quality_table() -> str:
    """The markdown table of every dataset's stored quality figures (docs/zoo.md's)."""
    from explorer.data.datasets import load_shipped_arrays

    lines = []
    for dataset, spec in DATASETS.items():
        rows, calibration_rows = quality_rows(dataset)
        rows = [r for r in rows if "fid_prior" in r]
        if not rows:
            continue
        n_test = len(load_shipped_arrays(dataset)[1])
        lines += [f"**{spec.title}** (test split, {n_test:,} images; {N_SAMPLES:,} samples per sampler)", "",
                  "| model | test MSE | PSNR (dB) | FID-c recon | FID-c N(0, I) | FID-c GMM | epochs |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in rows:
            mark = "" if r.get("gmm_fitted_on") == "train" else "†"
            lines.append(f"| {r['name']} | {r['mse']:.4f} | {r['psnr']:.2f} | {r['fid_recon']:.2f} | "
                         f"{r['fid_prior']:.2f} | {r['fid_gmm']:.2f}{mark} | {r['epochs']} |")
        for name, value in calibration_rows.items():
            lines.append(f"| *{name}* | | | {value:.2f} | | | |")
        lines.append("")
    if any("†" in line for line in lines):
        lines.append("† mixture fitted to the test codes (no gmm.npz shipped).")
    return "\n".join(lines).rstrip() + "\n"


def write_readme_table(table: str, readme: Path, start_marker: str = README_START, end_marker: str = README_END) -> None:
    """Put ``table`` in a page of the docs (``readme``) between its two markers."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    readme.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
