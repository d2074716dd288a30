"""A visitor's tastes through the recommenders, and the movies' neighbours in a model's space.

:func:`recommend` is what the page's "your tastes" panel shows, in one call: for each model, its top movies
for the ratings a visitor gave (none stored) and where the visitor's code lands on the map of the 943 users.

- I-AutoRec has one output per training user (row u of its decoder, ``W_u``, and a bias ``b_u``), so a new
  visitor is a new output: ``(w, b)`` fitted to their ratings by ridge regression on the rated movies' codes,
  shrunk towards the mean user — the MAP estimate with a Gaussian prior centred on the users' rows, with
  λ = PRIOR_SHRINKAGE × the noise's variance over the rows' (the model's own squared error, the rows' spread:
  the rows were fitted under weight decay, so their spread under-states the prior's; the factor is the one that
  predicts held-out users' other ratings best, ``python bench/recommendation.py --fold-in``). With no rating
  it is the mean user; each rating moves it. ``w`` lands on the user map as the users' rows do.
- Mult-DAE and Mult-VAE read a history: the movies the visitor liked (4 or 5 stars, or a like) are its ones,
  and the model's code of it lands on the user map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.data.movielens import LIKED
from explorer.metrics.ranking import top_k
from explorer.models.kinds import KINDS

TOP_N = 10
MAX_RATINGS = 200  # what a visitor may rate on the page: bounded work per rerun
NOISE_VARIANCE = 0.81  # I-AutoRec's squared test error (RMSE ≈ 0.9): how far one rating is trusted
PRIOR_SHRINKAGE = 0.1  # of the ridge's λ (the docstring); bench/recommendation.py --fold-in measures 1, 0.1, 0.01


@dataclass(frozen=True)
class Recommended:
    kind: str
    items: np.ndarray  # the top movies, best first
    scores: np.ndarray  # I-AutoRec: predicted stars; Mult-*: the multinomial's probability, in %
    code_xy: np.ndarray  # the visitor on the model's user map (2,)
    popular: bool  # nothing rated: the most liked movies stand in


def popular_items(likes: np.ndarray, n: int = TOP_N, exclude: np.ndarray | None = None) -> np.ndarray:
    """The movies liked by the most users: what a visitor who rated nothing is shown."""
    return top_k(np.asarray(likes, float)[None], n, None if exclude is None else exclude[None])[0]


def _autorec_user(model, views: dict[str, np.ndarray], rated: dict[int, float]) -> tuple[np.ndarray, float]:
    """The visitor's decoder row and bias, the ridge fit towards the mean user (the module's docstring)."""
    rows = model.decoder.weight.detach().numpy().astype(np.float64)
    biases = model.decoder.bias.detach().numpy().astype(np.float64)
    w0, b0 = rows.mean(axis=0), float(biases.mean())
    if not rated:
        return w0, b0
    items = np.fromiter(rated, dtype=np.int64)
    codes = views["item_vectors"][items].astype(np.float64)
    residual = np.fromiter(rated.values(), dtype=np.float64) - codes @ w0 - b0
    spread = np.concatenate([rows.var(axis=0), [biases.var()]])  # the prior's variance of each coefficient
    design = np.hstack([codes, np.ones((len(items), 1))])
    penalty = np.diag(PRIOR_SHRINKAGE * NOISE_VARIANCE / np.maximum(spread, 1e-8))
    delta = np.linalg.solve(design.T @ design + penalty, design.T @ residual)
    return w0 + delta[:-1], b0 + float(delta[-1])


def autorec_predictions(model, views: dict[str, np.ndarray], rated: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """I-AutoRec's stars for every movie for a visitor who gave ``rated``, and the visitor's decoder row."""
    w, b = _autorec_user(model, views, rated)
    return np.clip(views["item_vectors"].astype(np.float64) @ w + b, 1.0, 5.0), w


def _on_map(views: dict[str, np.ndarray], code: np.ndarray) -> np.ndarray:
    return ((np.asarray(code, np.float64) - views["user_mean"]) @ views["user_axes"].T).astype(np.float32)


@torch.no_grad()
def recommend(model, views: dict[str, np.ndarray], rated: dict[int, float], likes: np.ndarray,
              n: int = TOP_N) -> Recommended:
    """One model's top ``n`` for the ratings ``rated`` (movie index → 1–5 stars; a like is 5, a dislike 1)."""
    seen = np.zeros(len(likes), dtype=bool)
    seen[list(rated)] = True
    if KINDS[model.kind].input == "item":
        predicted, w = autorec_predictions(model, views, rated)
        if not rated:
            items = popular_items(likes, n, seen)
            return Recommended(model.kind, items, predicted[items], _on_map(views, w), popular=True)
        items = top_k(predicted[None], n, seen[None])[0]
        return Recommended(model.kind, items, predicted[items], _on_map(views, w), popular=False)
    history = np.zeros((1, len(likes)), dtype=np.float32)
    history[0, [i for i, r in rated.items() if r >= LIKED]] = 1.0
    code = model.encode(torch.from_numpy(history)).numpy()[0]
    if not history.any():  # no like: no history to read, the most liked stand in
        items = popular_items(likes, n, seen)
        return Recommended(model.kind, items, np.full(len(items), np.nan), _on_map(views, code), popular=True)
    probability = torch.softmax(model.decode(torch.from_numpy(code[None])), dim=1).numpy()[0]
    items = top_k(probability[None], n, seen[None])[0]
    return Recommended(model.kind, items, 100 * probability[items], _on_map(views, code), popular=False)


def nearest_movies(vectors: np.ndarray, item: int, n: int = TOP_N) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` movies nearest ``item`` in a model's space (cosine similarity), and their similarities."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit[item]
    others = np.ones(len(vectors), dtype=bool)
    others[item] = False
    picked = top_k(similarity[None], n, ~others[None])[0]
    return picked, similarity[picked]


@torch.no_grad()
def predicted_by_users(model, views: dict[str, np.ndarray], item: int) -> np.ndarray | None:
    """I-AutoRec's rating of ``item`` by each of the 943 users (what colours the user map when a movie is
    picked: the model's, not the users' own, which are not shipped); None for the other kinds."""
    if KINDS[model.kind].input != "item":
        return None
    code = torch.from_numpy(np.array(views["item_vectors"][item][None], dtype=np.float32))  # a copy: views are read-only
    return model.decode(code).clamp(1.0, 5.0).numpy()[0]


def parse_rated(raw: str, n_items: int) -> tuple[dict[int, float], bool]:
    """Ratings from a URL value ``"12:5,50:4"`` (movie index:stars); (the ratings, whether any part was refused)."""
    rated: dict[int, float] = {}
    refused = False
    for part in str(raw).split(",")[:MAX_RATINGS]:
        item, _, stars = part.partition(":")
        if not (item.isdigit() and stars.isdigit() and len(item) <= 5 and int(item) < n_items
                and 1 <= int(stars) <= 5):
            refused = refused or bool(part.strip())
            continue
        rated[int(item)] = float(stars)
    return rated, refused or len(str(raw).split(",")) > MAX_RATINGS


def format_rated(rated: dict[int, float]) -> str:
    return ",".join(f"{i}:{int(r)}" for i, r in rated.items())
