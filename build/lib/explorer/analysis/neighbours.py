"""Nearest neighbours: of a test image in a model's code space (Euclidean or cosine) and in pixel space.

scikit-learn's exact (brute-force) search: the test split's 10,000 codes or images are few
enough that an approximate index would only add doubt about "nearest".
"""

from __future__ import annotations

import numpy as np

METRICS = ("euclidean", "cosine")


def nearest(base: np.ndarray, queries: np.ndarray, k: int, metric: str = "euclidean",
            exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``base`` nearest each query (Q×k indices, Q×k distances, nearest first).

    Rows are flattened (images N×H×W work as they are). ``exclude`` holds, per query, one row of
    ``base`` to leave out (the query's own image), or -1. Cosine distance is 1 − cos.
    """
    from sklearn.neighbors import NearestNeighbors

    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {METRICS}")
    base = np.asarray(base, dtype=np.float32).reshape(len(base), -1)
    queries = np.asarray(queries, dtype=np.float32).reshape(len(queries), -1)
    extra = 0 if exclude is None else 1
    k = max(1, min(int(k), len(base) - extra))
    index = NearestNeighbors(n_neighbors=k + extra, metric=metric, algorithm="brute").fit(base)
    dist, idx = index.kneighbors(queries)
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
