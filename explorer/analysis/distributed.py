"""Encoding a large image set in batches across processes or machines, with Dask.

    codes = encode_file("pretrained/mnist/vae-z16", "big.npy", workers=4)             # a local cluster
    codes = encode_file(folder, "big.npy", address="tcp://scheduler:8786")             # a cluster of yours

The images are a ``.npy`` file (N×H×W, N×H×W×C or N×C×H×W, uint8 or float in [0, 1]), memory-mapped: each
task reads its own rows from the file, so no process holds the whole set, and nothing but the file's path and
the row range travels to a worker. Each worker process rebuilds the model once from its checkpoint folder
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
    from explorer.store.checkpoint import load_pretrained

    if folder not in _models:
        torch.set_num_threads(1)  # one worker, one core: the cluster spreads the work
        _models[folder] = load_pretrained(Path(folder))
    model = _models[folder]
    rows = np.asarray(image_rows(Path(path))[start:stop])
    return encode(model, torch.from_numpy(as_model_input(rows, model.config.image_shape))).numpy().astype(np.float32)


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
    from dask.distributed import Client, LocalCluster, as_completed

    folder, path = Path(folder).resolve(), Path(path).resolve()
    n = len(image_rows(path))
    ranges = [(start, min(start + batch, n)) for start in range(0, n, batch)]
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
        futures = client.map(encode_rows, [str(folder)] * len(ranges), [str(path)] * len(ranges),
                             [a for a, _ in ranges], [b for _, b in ranges], pure=False)
        order = {future.key: k for k, future in enumerate(futures)}
        parts: list[np.ndarray | None] = [None] * len(ranges)
        for done, future in enumerate(as_completed(futures), start=1):
            parts[order[future.key]] = future.result()
            if progress is not None:
                progress(done, len(ranges))
        return np.concatenate(parts)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
