"""The recommenders' figures: rating error (RMSE, MAE) and top-N ranking (Recall@k, NDCG@k).

Recall@k and NDCG@k follow Liang et al. 2018 (§ 4.2), the protocol Mult-VAE's figures are given in:
Recall@k divides the hits in the top k by min(k, the user's held-out items), so that 1 is reachable;
NDCG@k divides the discounted gain by the ideal one of min(k, held-out) items. Each is averaged over users.
"""

from __future__ import annotations

import numpy as np


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted, float) - np.asarray(actual, float)) ** 2)))


def mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(predicted, float) - np.asarray(actual, float))))


def top_k(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Each row's ``k`` best columns, best first; columns ``exclude`` marks (True) are never picked."""
    scores = np.array(scores, dtype=np.float64)
    if exclude is not None:
        scores[np.asarray(exclude, bool)] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def recall_at_k(scores: np.ndarray, held_out: np.ndarray, k: int, exclude: np.ndarray | None = None) -> float:
    """Mean over users (rows with any held-out item) of |top-k ∩ held-out| / min(k, |held-out|)."""
    held_out = np.asarray(held_out, bool)
    users = held_out.any(axis=1)
    picked = top_k(scores[users], k, None if exclude is None else exclude[users])
    hits = np.take_along_axis(held_out[users], picked, axis=1).sum(axis=1)
    return float(np.mean(hits / np.minimum(k, held_out[users].sum(axis=1))))


def ndcg_at_k(scores: np.ndarray, held_out: np.ndarray, k: int, exclude: np.ndarray | None = None) -> float:
    """Mean over users of DCG@k / IDCG@k, binary relevance, discount 1 / log2(rank + 1)."""
    held_out = np.asarray(held_out, bool)
    users = held_out.any(axis=1)
    picked = top_k(scores[users], k, None if exclude is None else exclude[users])
    discount = 1.0 / np.log2(np.arange(2, picked.shape[1] + 2))
    dcg = (np.take_along_axis(held_out[users], picked, axis=1) * discount).sum(axis=1)
    ideal = np.array([discount[: min(n, picked.shape[1])].sum() for n in held_out[users].sum(axis=1)])
    return float(np.mean(dcg / ideal))


def ranking_figures(scores: np.ndarray, held_out: np.ndarray, exclude: np.ndarray | None = None) -> dict[str, float]:
    """The figures Liang et al. report: Recall@20, Recall@50 and NDCG@100."""
    return {"recall@20": recall_at_k(scores, held_out, 20, exclude),
            "recall@50": recall_at_k(scores, held_out, 50, exclude),
            "ndcg@100": ndcg_at_k(scores, held_out, 100, exclude)}
