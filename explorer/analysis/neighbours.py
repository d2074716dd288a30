"""Nearest neighbours: of a test image in a model's code space (Euclidean or cosine) and in pixel space.

scikit-learn's exact (brute-force) search: the test split's 10,000 codes or images are few
enough that an approximate index would only add doubt about "nearest".
"""

from __future__ import annotations

import numpy as np

METRICS = ("euclidean", "cosine")


def nearest(base: np.ndarray, queries: np.ndarray, k: int, metric: str = "euclidean",
            exclude: np.ndarray | None = None, scale: float = 1.0,
            chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``base`` nearest each query (Q×k indices, Q×k distances, nearest first).

    Rows are flattened (images N×H×W work as they are) and multiplied by ``scale`` (1/255 for uint8 pictures),
    ``chunk`` rows of ``base`` at a time: a million 28×28 images are never copied to floats at once.
    ``exclude`` holds, per query, one row of ``base`` to leave out (the query's own image), or -1. Cosine
    distance is 1 − cos.
    """
    from sklearn.neighbors import NearestNeighbors

    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {METRICS}")
    queries = np.asarray(queries, dtype=np.float32).reshape(len(queries), -1) * np.float32(scale)
    extra = 0 if exclude is None else 1
    k = max(1, min(int(k), len(base) - extra))
    found_idx, found_dist = [], []
    for start in range(0, len(base), chunk):
        part = np.asarray(base[start : start + chunk], dtype=np.float32).reshape(-1, queries.shape[1]) * np.float32(scale)
        index = NearestNeighbors(n_neighbors=min(k + extra, len(part)), metric=metric, algorithm="brute").fit(part)
        dist, idx = index.kneighbors(queries)
        found_idx.append(idx + start)
        found_dist.append(dist)
    idx, dist = np.concatenate(found_idx, axis=1), np.concatenate(found_dist, axis=1)
    order = np.lexsort((idx, dist), axis=1)[:, : k + extra]  # nearest first; a tie goes to the lower row
    idx, dist = np.take_along_axis(idx, order, axis=1), np.take_along_axis(dist, order, axis=1)
    if exclude is None:
        return idx, dist
    keep = idx != np.asarray(exclude).reshape(-1, 1)
    # each row drops its excluded index if present, else its farthest neighbour
    rows = [np.flatnonzero(row)[:k] for row in keep]
    return (np.stack([i[r] for i, r in zip(idx, rows)]), np.stack([d[r] for d, r in zip(dist, rows)]))


def nearest_to_samples(samples: np.ndarray, reference: np.ndarray, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """For each generated image, the nearest reference image (index) and the RMS pixel distance to it.

    "Is it just copying?": a sample at distance 0 is a reference image itself. Images are in
    [0, 1] (a uint8 reference is scaled); the reference is read in chunks, so 60,000 training
    images never become one float array.
    """
    samples = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1)
    square = (samples ** 2).sum(axis=1)
    best = np.full(len(samples), np.inf)
    index = np.zeros(len(samples), dtype=np.int64)
    for start in range(0, len(reference), chunk):
        block = np.asarray(reference[start:start + chunk])
        block = (block.astype(np.float32) / 255.0 if block.dtype == np.uint8 else block.astype(np.float32))
        block = block.reshape(len(block), -1)
        d2 = square[:, None] - 2.0 * samples @ block.T + (block ** 2).sum(axis=1)[None, :]
        rows = d2.argmin(axis=1)
        found = d2[np.arange(len(samples)), rows]
        better = found < best
        best[better], index[better] = found[better], rows[better] + start
    # the distance to the one found, computed directly: the expansion above cancels to ~1e-4, not 0, for a copy
    chosen = np.asarray(reference[index])
    chosen = (chosen.astype(np.float32) / 255.0 if chosen.dtype == np.uint8 else chosen.astype(np.float32))
    return index, np.sqrt(((samples - chosen.reshape(len(samples), -1)) ** 2).mean(axis=1))
