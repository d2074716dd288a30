"""What the pages need that costs seconds, computed once per checkpoint and stored beside it.

``views.npz`` holds, for one checkpoint and its dataset's shipped test split:

- ``codes`` (N×d) and, for a Gaussian encoder, ``logvar``: every test image's code (μ) and
  log σ², which the map, Figure 7, sampling, attributes and the flashlight read. Above latent
  size 2 they are stored as float16, as the weights are (the zoo stays small; the flashlight's
  codes are float16 too) and read as float32; at latent size 2 a code is a point of the map: exact;
- ``errors`` (N): each test image's reconstruction MSE (the anomaly score's reference);
- ``anomaly_<set>``: the scores of ANOMALY_IMAGES inputs the model never saw (the other
  dataset, noise, upside-down and inverted images: explorer.analysis.denoise.out_of_distribution);
- ``denoise_<kind>`` (2 × 2 × levels): mean PSNR and SSIM of the corrupted input itself and
  of the model's reconstruction against each noise level (the denoising lab's curve);
- ``mmd`` and, at latent size 2, ``aggregate_paths`` and ``aggregate_extent``: the MMD² of
  the codes to the prior, and the aggregate posterior's highest-density contours (Figure 7);
- ``weights``: the fingerprint of the weights these were computed from. A file whose
  fingerprint differs (the model was retrained) is stale and not used.

Written by ``python -m explorer.zoo precompute`` (and ``explorer.embed``); read with
:func:`load_views`, which checks every array and raises ViewsUnavailable for any fault, so the
app computes what it needs instead. Plain arrays only: read with ``allow_pickle=False``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.errors import ViewsUnavailable
from explorer.models.kinds import KINDS
from explorer.store.npz import read_npz

VIEWS_FILE = "views.npz"
ANOMALY_IMAGES = 2000  # per set: enough for a smooth ROC
ANOMALY_SETS = ("other", "noise", "upside_down", "inverted")
DENOISE_LEVELS = {"gaussian": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
                  "salt-and-pepper": (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
                  "masking": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)}
DENOISE_IMAGES = 500  # the held-out batch: the last 500 test images (half the split, if smaller)
MMD_POINTS = 2000  # codes in the MMD estimate (its cost grows with the square)
HDR_MASSES = (0.25, 0.5, 0.75, 0.95)  # the highest-density regions Figure 7 draws
DENSITY_CELLS = 101  # the aggregate's density is evaluated on a DENSITY_CELLS² grid


def denoise_images(n_test: int) -> int:
    """How many of the last test images the denoising curve is measured on."""
    return min(DENOISE_IMAGES, n_test // 2)


def has_posterior_variance(kind: str) -> bool:
    return KINDS[kind].posterior_variance if kind in KINDS else False


# --- computing ------------------------------------------------------------------------


def encode_test(model, images) -> dict[str, np.ndarray]:
    """``codes`` (and ``logvar`` for a Gaussian encoder) of uint8 test images."""
    from explorer.analysis.latent import encode, encode_posterior

    if has_posterior_variance(model.config.kind):
        mu, logvar = encode_posterior(model, images)
        return {"codes": mu.numpy(), "logvar": logvar.numpy()}
    return {"codes": encode(model, images).numpy()}


def anomaly_scores(model, images, other) -> dict[str, np.ndarray]:
    """``anomaly_<set>``: the reconstruction errors of ANOMALY_IMAGES inputs from elsewhere."""
    from explorer.analysis.denoise import out_of_distribution, reconstruction_errors

    sets = out_of_distribution(images[:ANOMALY_IMAGES], None if other is None else other[:ANOMALY_IMAGES], seed=0)
    return {f"anomaly_{key}": reconstruction_errors(model, x) for key, x in sets.items()}


def denoise_curves(model, images, kinds=tuple(DENOISE_LEVELS)) -> dict[str, np.ndarray]:
    """``denoise_<kind>`` for each of ``kinds``: [input, model] × [PSNR, SSIM] × level, over the last test images."""
    from explorer.analysis.denoise import noise_curve
    from explorer.data.datasets import to_float

    batch = to_float(images[-denoise_images(len(images)):])
    out = {}
    for kind in kinds:
        curve = noise_curve({"model": model}, batch, kind, list(DENOISE_LEVELS[kind]), seed=0)
        out[f"denoise_{kind}"] = np.array([[curve[name]["psnr"], curve[name]["ssim"]] for name in ("identity", "model")],
                                          dtype=np.float32)
    return out


def mmd_to_prior(codes: np.ndarray) -> float:
    """MMD² (the WAE's kernel) between MMD_POINTS codes and as many N(0, I) samples, both drawn with seed 0."""
    import torch

    from explorer.models.losses import imq_mmd
    from explorer.samplers import NormalSampler

    sample = np.random.default_rng(0).choice(len(codes), min(MMD_POINTS, len(codes)), replace=False)
    return float(imq_mmd(torch.from_numpy(np.asarray(codes[sample], dtype=np.float32)),
                         NormalSampler(codes.shape[1]).sample(len(sample), seed=0)))


def aggregate_contours(codes: np.ndarray, logvar: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The aggregate posterior's HDR_MASSES contours in 2-D, as one polyline with NaN rows between its pieces,
    and the half-width of the square they were evaluated on (fitted to the codes and the prior's 95 %)."""
    from skimage.measure import find_contours

    from explorer.analysis.posterior import density_levels, kde_bandwidth, mixture_density

    codes = np.asarray(codes, dtype=np.float64)
    reach = max(np.sqrt(-2.0 * np.log(1.0 - max(HDR_MASSES))), float(np.percentile(np.abs(codes), 99.5)))
    extent = 1.15 * reach
    grid = np.linspace(-extent, extent, DENSITY_CELLS)
    variances = (np.exp(logvar) if logvar is not None
                 else np.full(codes.shape, kde_bandwidth(codes) ** 2))  # a deterministic encoder: a kernel density
    density = mixture_density(grid, grid, codes, variances)
    step = grid[1] - grid[0]
    pieces = []
    for level in density_levels(density, step * step, HDR_MASSES):
        for contour in find_contours(density, level):  # rows are (y index, x index)
            pieces.append(np.stack([grid[0] + contour[:, 1] * step, grid[0] + contour[:, 0] * step], axis=1))
            pieces.append(np.full((1, 2), np.nan))
    paths = np.concatenate(pieces).astype(np.float32) if pieces else np.empty((0, 2), np.float32)
    return paths, float(extent)


def compute_views(model, images, other=None) -> dict[str, np.ndarray]:
    """Every array of ``views.npz`` for ``model`` on uint8 test ``images`` (a tensor), ``other`` the other
    dataset's test images (or None)."""
    import torch

    from explorer.analysis.denoise import reconstruction_errors

    with torch.no_grad():
        arrays = encode_test(model, images)
        arrays["errors"] = reconstruction_errors(model, images)
        arrays.update(anomaly_scores(model, images, other))
        arrays.update(denoise_curves(model, images))
        arrays["mmd"] = np.array(mmd_to_prior(arrays["codes"]))
    if arrays["codes"].shape[1] == 2:
        arrays["aggregate_paths"], extent = aggregate_contours(arrays["codes"], arrays.get("logvar"))
        arrays["aggregate_extent"] = np.array(extent)
    return arrays


# --- storing and reading ---------------------------------------------------------------


def save_views(path: Path, arrays: dict[str, np.ndarray], weights: str) -> Path:
    """Write ``arrays`` and the weights' fingerprint to ``path`` whole or not at all (a temporary file, renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for name in ("codes", "logvar"):  # float16 above latent size 2 (the module's docstring says why)
        if name in arrays and arrays[name].ndim == 2 and arrays[name].shape[1] > 2:
            arrays[name] = arrays[name].astype(np.float16)
    tmp = path.with_name(f".{path.stem}.part.npz")
    np.savez_compressed(tmp, weights=np.array(weights), **arrays)
    tmp.replace(path)
    return path


def load_views(path: Path, weights: str, n_images: int, latent_dim: int) -> dict[str, np.ndarray]:
    """The arrays stored at ``path``, checked against the weights' fingerprint, the test split's size and the
    latent size; any fault (missing, damaged, stale, wrong shape, not finite) is a ViewsUnavailable."""
    path = Path(path)
    optional = ("logvar", "aggregate_paths", "aggregate_extent", *(f"anomaly_{s}" for s in ANOMALY_SETS),
                *(f"denoise_{k}" for k in DENOISE_LEVELS))
    arrays = read_npz(path, ("weights", "codes", "errors", "mmd"), ViewsUnavailable, optional=optional)
    stored = arrays.pop("weights")
    if stored.ndim != 0 or stored.dtype.kind != "U":
        raise ViewsUnavailable("has no weights fingerprint", path)
    if str(stored) != weights:
        raise ViewsUnavailable("was computed from other weights (the model was trained again): stale", path)
    expected = {"codes": (n_images, latent_dim), "logvar": (n_images, latent_dim), "errors": (n_images,), "mmd": ()}
    expected.update({f"denoise_{k}": (2, 2, len(levels)) for k, levels in DENOISE_LEVELS.items()})
    for name, array in arrays.items():
        if array.dtype.kind != "f":
            raise ViewsUnavailable(f"holds {name} of type {array.dtype}, not floating point", path)
        shape = expected.get(name)
        if name.startswith("anomaly_"):
            ok = array.ndim == 1 and 0 < len(array) <= ANOMALY_IMAGES
        elif name == "aggregate_paths":
            ok = array.ndim == 2 and array.shape[1] == 2
        elif name == "aggregate_extent":
            ok = array.ndim == 0 and float(array) > 0
        else:
            ok = array.shape == shape
        if not ok:
            raise ViewsUnavailable(f"holds {name} of shape {array.shape}, not what the model and test split make", path)
        if name != "aggregate_paths" and not np.isfinite(array).all():
            raise ViewsUnavailable(f"holds {name} with values that are not finite", path)
    arrays = {name: array.astype(np.float32, copy=False) for name, array in arrays.items()}
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def write_views(folder: Path) -> Path:
    """Compute and store ``views.npz`` for the checkpoint in ``folder``, on its dataset's shipped test split."""
    import torch

    from explorer.analysis.project import weights_fingerprint
    from explorer.data.datasets import load_shipped_arrays, other_dataset
    from explorer.errors import DatasetUnavailable
    from explorer.store.checkpoint import load_pretrained

    folder = Path(folder)
    model = load_pretrained(folder)
    images, _ = load_shipped_arrays(model.config.dataset)
    try:
        other = torch.from_numpy(load_shipped_arrays(other_dataset(model.config.dataset))[0])
    except DatasetUnavailable:
        other = None
    arrays = compute_views(model, torch.from_numpy(images), other)
    return save_views(folder / VIEWS_FILE, arrays, weights_fingerprint(folder))


def views_status(folder: Path, n_images: int, latent_dim: int) -> str | None:
    """None if the checkpoint's views.npz is usable, else why not (missing, stale, damaged)."""
    from explorer.analysis.project import weights_fingerprint

    try:
        load_views(Path(folder) / VIEWS_FILE, weights_fingerprint(folder), n_images, latent_dim)
    except ViewsUnavailable as err:
        return err.reason
    return None
