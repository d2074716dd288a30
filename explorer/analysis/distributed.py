"""Encoding a large image set in batches across processes or machines, with Dask.

    codes = encode_file("pretrained/mnist/vae-z16", "big.npy", workers=4)             # a local cluster
    codes = encode_file(folder, "big.npy", address="tcp://scheduler:8786")             # a cluster of yours
    codes, files, skipped = encode_folder(folder, "my-images/", workers=4)             # a folder of image files

The images are a ``.npy`` file (N×H×W, N×H×W×C or N×C×H×W, uint8 or float in [0, 1]), memory-mapped: each
task reads its own rows from the file, so no process holds the whole set, and nothing but the file's path and
the row range travels to a worker. Or a folder of image files (flat, or class sub-folders as
explorer.data.userdata reads them): each task reads its own files, fitted to the model's size and channels. Each worker process rebuilds the model once from its checkpoint folder
(config and safetensors, explorer.store.checkpoint) and encodes its batches; the codes come back in order.
On a cluster of yours, the checkpoint folder and the file must be at the same path on every worker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.errors import EncodingFailed

BATCH = 4096  # rows per task: a few seconds of a CPU's encoding, small enough to spread over the workers
_models: dict[str, object] = {}  # per worker process: checkpoint folder → model, built on its first task


def image_rows(path: Path) -> np.ndarray:
    """The file's images, memory-mapped (never unpickled)."""
    try:
        images = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise EncodingFailed(f"cannot read the images: {err}", path) from None
    if not isinstance(images, np.ndarray) or images.ndim not in (3, 4) or len(images) == 0:
        raise EncodingFailed("the file must hold one array of images (N×H×W or N×H×W×C)", path)
    return images


def encode_rows(folder: str, path: str, start: int, stop: int) -> np.ndarray:
    """One task: rows ``start:stop`` of the file encoded by the checkpoint in ``folder`` (float32 codes)."""
    import torch

    from explorer.analysis.latent import encode

    model = _model(folder)
    rows = np.asarray(image_rows(Path(path))[start:stop])
    return encode(model, torch.from_numpy(as_model_input(rows, model.config.image_shape))).numpy().astype(np.float32)


def encode_paths(folder: str, paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One task: image files encoded by the checkpoint in ``folder``, each fitted to the model's size and channels;
    (float32 codes of the files read, which of ``paths`` were read)."""
    import torch

    from explorer.analysis.latent import encode
    from explorer.data.userdata import read_image_file

    model = _model(folder)
    channels, side = model.config.image_shape[0], model.config.image_shape[1]
    pictures, read = [], np.zeros(len(paths), dtype=bool)
    for k, path in enumerate(paths):
        picture = read_image_file(Path(path), side)
        if picture is None:
            continue
        if channels == 1 and picture.ndim == 3:
            picture = np.round(picture.mean(axis=2)).astype(np.uint8)
        elif channels == 3 and picture.ndim == 2:
            picture = np.repeat(picture[..., None], 3, axis=2)
        pictures.append(picture)
        read[k] = True
    if not pictures:
        return np.zeros((0, model.config.latent_dim), dtype=np.float32), read
    rows = as_model_input(np.stack(pictures), model.config.image_shape)
    return encode(model, torch.from_numpy(rows)).numpy().astype(np.float32), read


def _model(folder: str):
    """This worker's model from ``folder``, built on its first task."""
    import torch

    from explorer.store.checkpoint import load_pretrained

    if folder not in _models:
        torch.set_num_threads(1)  # one worker, one core: the cluster spreads the work
        _models[folder] = load_pretrained(Path(folder))
    return _models[folder]


def as_model_input(rows: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Rows in the layout the model takes (N×C×H×W; uint8 kept as it is, encode scales it)."""
    channels = shape[0]
    if rows.ndim == 4 and rows.shape[-1] == channels and rows.shape[1] != channels:
        rows = rows.transpose(0, 3, 1, 2)
    if rows.ndim == 3 and channels == 1:
        rows = rows[:, None]
    if rows.shape[1:] != tuple(shape):
        raise EncodingFailed(f"images of shape {rows.shape[1:]} for a model of {tuple(shape)}")
    return np.array(rows, dtype=np.uint8 if rows.dtype == np.uint8 else np.float32)  # a writable copy of the batch


def encode_file(folder: Path, path: Path, workers: int = 2, address: str | None = None, batch: int = BATCH,
                progress=None) -> np.ndarray:
    """All the file's images encoded by the checkpoint in ``folder`` on ``workers`` local processes (a Dask
    LocalCluster), or on the Dask cluster at ``address``; ``progress(done, total)`` after each batch."""
    folder, path = Path(folder).resolve(), Path(path).resolve()
    n = len(image_rows(path))
    ranges = [(start, min(start + batch, n)) for start in range(0, n, batch)]
    parts = _on_cluster(encode_rows, [(str(folder), str(path), a, b) for a, b in ranges], workers, address, progress)
    return np.concatenate(parts)


def encode_folder(folder: Path, images: Path, workers: int = 2, address: str | None = None, batch: int = BATCH,
                  progress=None) -> tuple[np.ndarray, list[str], list[str]]:
    """A folder's image files encoded as :func:`encode_file` encodes a file's rows: (codes, the files they are of,
    in order, relative to ``images``; the files that could not be read as images, skipped)."""
    from explorer.data.userdata import image_files

    folder, images = Path(folder).resolve(), Path(images).resolve()
    files = [str(f) for f, _ in image_files(images)[0]]
    if not files:
        raise EncodingFailed("no images (.png, .jpg, .jpeg, .bmp, .webp, .gif) in it or its class sub-folders", images)
    chunks = [files[start : start + batch] for start in range(0, len(files), batch)]
    parts = _on_cluster(encode_paths, [(str(folder), chunk) for chunk in chunks], workers, address, progress)
    read = np.concatenate([r for _, r in parts])
    names = [str(Path(f).relative_to(images)) for f in files]
    codes = np.concatenate([c for c, _ in parts])
    return codes, [n for n, ok in zip(names, read) if ok], [n for n, ok in zip(names, read) if not ok]


def _on_cluster(task, arguments: list[tuple], workers: int, address: str | None, progress) -> list:
    """``task(*a)`` for each of ``arguments`` on a local Dask cluster of ``workers`` processes or the one at
    ``address``: the results in the arguments' order; ``progress(done, total)`` as they come."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if address is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(address or cluster)
    except (OSError, TimeoutError, ValueError) as err:
        if cluster is not None:
            cluster.close()
        raise EncodingFailed(f"no Dask cluster ({type(err).__name__}: {err})") from None
    try:
        futures = client.map(task, *zip(*arguments), pure=False)
        order = {future.key: k for k, future in enumerate(futures)}
        parts: list = [None] * len(arguments)
        for done, future in enumerate(as_completed(futures), start=1):
            parts[order[future.key]] = future.result()
            if progress is not None:
                progress(done, len(arguments))
        return parts
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
