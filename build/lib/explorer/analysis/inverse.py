"""From a point on a 2-D map back to a code: what the browser's flashlight decodes.

The command line is explorer/commands/inverse.py (``python -m explorer.inverse``): its docstring says how to use it.
"""

from __future__ import annotations

import numpy as np

DEFAULT_K = 8
EPSILON_FRACTION = 1e-6  # of the map's squared diagonal


def epsilon(points: np.ndarray) -> float:
    """The ε of the weights for a map: a millionth of its squared diagonal."""
    points = np.asarray(points, dtype=np.float64)
    extent = points.max(axis=0) - points.min(axis=0)
    return float(EPSILON_FRACTION * max(float((extent ** 2).sum()), 1e-12))


def knn_weights(points: np.ndarray, queries: np.ndarray, k: int = DEFAULT_K,
                eps: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (Q×k) of the k points nearest each query and their normalised weights 1 / (d² + ε) (Q×k).

    Any dimension: the flashlight asks it about 2-D map points, explorer.analysis.project.place_on_map
    about codes. ``eps`` defaults to :func:`epsilon` of the points.
    """
    points = np.asarray(points, dtype=np.float64)
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float64))
    if points.ndim != 2 or queries.shape[1] != points.shape[1]:
        raise ValueError(f"points {points.shape} and queries {queries.shape} must be N×D and Q×D")
    k = max(1, min(int(k), len(points)))
    eps = epsilon(points) if eps is None else eps
    d2 = np.maximum((queries ** 2).sum(1)[:, None] - 2 * queries @ points.T + (points ** 2).sum(1)[None, :], 0.0)
    idx = np.argpartition(d2, k - 1, axis=1)[:, :k]
    near = np.take_along_axis(d2, idx, axis=1)
    order = np.argsort(near, axis=1, kind="stable")  # nearest first, as the browser lists them
    idx, near = np.take_along_axis(idx, order, axis=1), np.take_along_axis(near, order, axis=1)
    w = 1.0 / (near + eps)
    return idx, w / w.sum(axis=1, keepdims=True)


def blend(codes: np.ndarray, idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ w_i z_i for each query (Q×d): the codes of the same images, blended with the same weights."""
    codes = np.asarray(codes, dtype=np.float64)
    return np.einsum("qk,qkd->qd", weights, codes[idx]).astype(np.float32)


def map_to_code(points: np.ndarray, codes: np.ndarray, queries: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """The code the flashlight decodes at each query position."""
    idx, w = knn_weights(points, queries, k)
    return blend(codes, idx, w)


def held_out_split(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Half the map points to blend from, the other half to measure at (seeded)."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2:])


def inverse_error(decode, points: np.ndarray, codes: np.ndarray, k: int = DEFAULT_K, seed: int = 0,
                  n_measured: int = 2000) -> dict:
    """Per-pixel MSE between decode(blend at a held-out point) and decode(that point's own code).

    ``decode`` maps an M×d float32 array to M images (any shape) as floats in [0, 1].
    The blend uses half the points; ``n_measured`` points of the other half are measured.
    """
    blend_set, measured = held_out_split(len(points), seed)
    measured = measured[:n_measured]
    estimate = map_to_code(points[blend_set], codes[blend_set], points[measured], k)
    truth = np.asarray(decode(np.asarray(codes[measured], dtype=np.float32)), dtype=np.float64)
    guess = np.asarray(decode(estimate), dtype=np.float64)
    per_image = ((guess - truth) ** 2).reshape(len(measured), -1).mean(axis=1)
    code_error = ((estimate - codes[measured]) ** 2).sum(axis=1)
    # for scale: the same measured reconstructions against those of other, random map points
    others = truth[np.random.default_rng(seed + 1).permutation(len(measured))]
    return {"k": int(k), "mse": float(per_image.mean()), "mse_p90": float(np.quantile(per_image, 0.9)),
            "random_pair_mse": float(((others - truth) ** 2).mean()),
            "code_distance": float(np.sqrt(code_error).mean()), "blend_points": len(blend_set),
            "measured_points": len(measured)}


def learned_inverse_error(decode, points: np.ndarray, codes: np.ndarray, seed: int = 0, n_measured: int = 2000,
                          epochs: int = 300, width: int = 256) -> dict:
    """The same measure for a small learned inverse (MLP 2 → width → width → d, trained on the blend half).

    The alternative the flashlight does not ship, measured so the choice can be checked:
    ``python -m explorer.inverse --learned``.
    """
    import torch

    blend_set, measured = held_out_split(len(points), seed)
    measured = measured[:n_measured]
    mean, std = points[blend_set].mean(axis=0), points[blend_set].std(axis=0) + 1e-9
    inputs = torch.tensor((points[blend_set] - mean) / std, dtype=torch.float32)
    targets = torch.tensor(codes[blend_set], dtype=torch.float32)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                              torch.nn.ReLU(), torch.nn.Linear(width, codes.shape[1]))
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        order = torch.randperm(len(inputs))
        for start in range(0, len(inputs), 256):
            batch = order[start:start + 256]
            loss = ((net(inputs[batch]) - targets[batch]) ** 2).sum(dim=1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        estimate = net(torch.tensor((points[measured] - mean) / std, dtype=torch.float32)).numpy()
    truth = np.asarray(decode(np.asarray(codes[measured], dtype=np.float32)), dtype=np.float64)
    guess = np.asarray(decode(estimate), dtype=np.float64)
    return {"mse": float(((guess - truth) ** 2).reshape(len(measured), -1).mean(axis=1).mean())}
