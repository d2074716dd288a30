"""Attribute vectors in a latent space, after Latent Space Cartography (Liu et al., EuroVis 2019).

An attribute vector is the direction between the mean codes of two groups of images (two
classes, or two selections): v = mean(z_B) − mean(z_A). Latent Space Cartography asks of it:

- where every point lies along it (each code's projection z·v̂), so the groups' separation
  along the vector is seen (and measured: the AUC of A against B along v̂);
- how stable it is: the cosine between the vectors of two random halves of the groups,
  over several splits (near 1: the direction is a property of the groups, not of a few images);
- what it does to an image: a walk z + α·v, decoded;
- analogies: z_a − z_b + z_c ("a is to b as ? is to c" turned around: c, moved by a − b).
"""

from __future__ import annotations

import numpy as np


def attribute_vector(codes_a: np.ndarray, codes_b: np.ndarray) -> np.ndarray:
    """mean(B) − mean(A): the direction from group A to group B."""
    return np.asarray(codes_b, dtype=np.float64).mean(axis=0) - np.asarray(codes_a, dtype=np.float64).mean(axis=0)


def projection(codes: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Each code's coordinate along the vector's direction (z·v̂); zeros for a zero vector."""
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        return np.zeros(len(codes))
    return np.asarray(codes, dtype=np.float64) @ (np.asarray(vector, dtype=np.float64) / norm)


def separation(codes_a: np.ndarray, codes_b: np.ndarray, vector: np.ndarray) -> float:
    """The AUC of telling B from A by the coordinate along the vector (0.5: no separation, 1: complete)."""
    from sklearn.metrics import roc_auc_score

    a, b = projection(codes_a, vector), projection(codes_b, vector)
    return float(roc_auc_score(np.r_[np.zeros(len(a)), np.ones(len(b))], np.r_[a, b]))


def stability(codes_a: np.ndarray, codes_b: np.ndarray, rounds: int = 20, seed: int = 0) -> float:
    """The mean cosine between the attribute vectors of two disjoint random halves of each group."""
    rng = np.random.default_rng(seed)
    codes_a, codes_b = np.asarray(codes_a, dtype=np.float64), np.asarray(codes_b, dtype=np.float64)
    if min(len(codes_a), len(codes_b)) < 2:
        return float("nan")
    cosines = []
    for _ in range(rounds):
        pa, pb = rng.permutation(len(codes_a)), rng.permutation(len(codes_b))
        half_a, half_b = len(pa) // 2, len(pb) // 2
        v1 = attribute_vector(codes_a[pa[:half_a]], codes_b[pb[:half_b]])
        v2 = attribute_vector(codes_a[pa[half_a:]], codes_b[pb[half_b:]])
        denominator = np.linalg.norm(v1) * np.linalg.norm(v2)
        cosines.append(float(v1 @ v2 / denominator) if denominator > 0 else 0.0)
    return float(np.mean(cosines))


def walk(code: np.ndarray, vector: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """The codes z + α·v for each α (A×d)."""
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1, 1)
    return (np.asarray(code, dtype=np.float64)[None, :] + alphas * np.asarray(vector)[None, :]).astype(np.float32)


def analogy(code_a: np.ndarray, code_b: np.ndarray, code_c: np.ndarray) -> np.ndarray:
    """z_a − z_b + z_c."""
    return (np.asarray(code_a, dtype=np.float64) - np.asarray(code_b) + np.asarray(code_c)).astype(np.float32)
