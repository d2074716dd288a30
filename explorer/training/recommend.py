"""Train and measure the recommenders (explorer.models.recommenders) on ratings, and what their page needs.

One training loop for the three kinds: a batch of input vectors (items' rating columns for I-AutoRec,
users' binarised histories for the Mult-* models) and the model's own ``loss``; Mult-VAE's β follows its
annealing (``beta_at``). The splits are explorer.data.movielens's: I-AutoRec is trained on four folds and
measured on the fifth (RMSE, MAE); the Mult-* models on the training users, measured on the test users'
held-out likes given the rest of their history (Liang et al.'s strong generalisation).

The command line is explorer/commands/train.py (``python -m explorer.train --dataset movielens-100k``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from explorer.data.movielens import LIKED, Ratings
from explorer.errors import TrainingDiverged
from explorer.metrics.ranking import mae, ranking_figures, rmse
from explorer.models.kinds import KINDS
from explorer.models.recommenders import RatingsConfig
from explorer.models.registry import build_model

DEFAULT_RATING = 3.0  # an item or user with no training rating: Sedhain et al.'s default
TEST_FOLD = 0
VALIDATION_SHARE = 0.05
# The defaults of each kind's training (docs/recommendation.md: how they were chosen)
# I-AutoRec: full-batch L-BFGS (Sedhain et al. train with L-BFGS and RProp); the Mult-* models: Adam on batches of
# 100 users, as Liang et al. do. An L-BFGS "epoch" is LBFGS_ITERATIONS of its iterations over all the items.
TRAINING = {
    "autorec": {"epochs": 40, "batch_size": 1682, "lr": 1.0, "optimiser": "lbfgs"},
    "multdae": {"epochs": 200, "batch_size": 100, "lr": 1e-3, "optimiser": "adam"},
    "multvae": {"epochs": 200, "batch_size": 100, "lr": 1e-3, "optimiser": "adam"},
}
OPTIMISERS = ("adam", "lbfgs")
LBFGS_ITERATIONS = 20


@dataclass(frozen=True)
class RatingsData:
    """What a recommender is trained and measured on, as dense arrays (ML-100K is small)."""

    train: np.ndarray  # the input vectors: items × users (I-AutoRec) or users × items (Mult-*), float32
    # I-AutoRec: the test fold's (user, item, rating); Mult-*: the test users' fold-in and held-out likes
    test: dict[str, np.ndarray]
    full: np.ndarray  # every user's inputs for the maps (the training ratings, or every user's history)
    # what the best epoch is chosen on, as ``test`` is for the test figures: 5 % of the training ratings
    # (I-AutoRec, left out of ``train``), the validation users (Mult-*)
    validation: RatingsData | None = None


def liked(ratings: Ratings, select: np.ndarray | None = None) -> np.ndarray:
    """Users × items, 1 where a user rated an item 4 or 5 (Mult-VAE's implicit feedback), of ``select``."""
    keep = ratings.ratings >= LIKED if select is None else (ratings.ratings >= LIKED) & select
    m = np.zeros((ratings.n_users, ratings.n_items), dtype=np.float32)
    m[ratings.users[keep], ratings.items[keep]] = 1.0
    return m


def ratings_data(kind: str, ratings: Ratings, splits: dict[str, np.ndarray], fold: int = TEST_FOLD) -> RatingsData:
    if KINDS[kind].input == "item":
        test = splits["fold"] == fold
        # the validation ratings: a seeded 5 % of the training folds
        check = ~test & (np.random.default_rng(fold).random(len(test)) < VALIDATION_SHARE)
        fitted, train = ratings.matrix(~test & ~check), ratings.matrix(~test)

        def triples(select):
            return {"users": ratings.users[select], "items": ratings.items[select], "ratings": ratings.ratings[select]}
        validation = RatingsData(train=fitted.T.copy(), full=fitted.T.copy(), test=triples(check))
        return RatingsData(train=fitted.T.copy(), full=train.T.copy(), test=triples(test), validation=validation)
    part = splits["user_part"][ratings.users]

    def held_users(number):
        users = splits["user_part"] == number
        fold_in = liked(ratings, (part == number) & ~splits["held_out"])[users]
        return {"fold_in": fold_in, "held_out": liked(ratings, (part == number) & splits["held_out"])[users]}
    train = liked(ratings)[splits["user_part"] == 0]
    return RatingsData(train=train, full=liked(ratings, ~splits["held_out"]), test=held_users(2),
                       validation=RatingsData(train=train, full=train, test=held_users(1)))


def train_recommender(config: RatingsConfig, inputs: np.ndarray, epochs: int, batch_size: int, lr: float,
                      seed: int = 0, log=None, validation: RatingsData | None = None, optimiser: str = "adam",
                      ) -> tuple[torch.nn.Module, list[dict]]:
    """Train a recommender on ``inputs`` (one row per input vector); the epochs' mean loss terms.

    ``optimiser``: "adam" on mini-batches of ``batch_size``, or "lbfgs" on the whole of ``inputs`` at once, an
    epoch being LBFGS_ITERATIONS of its iterations (I-AutoRec's, as Sedhain et al. train it; ``lr`` and
    ``batch_size`` unused). With ``validation``, each epoch is measured on it and the best epoch's weights
    are the ones returned (early stopping: RMSE for I-AutoRec, NDCG@100 for the Mult-* models)."""
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {', '.join(OPTIMISERS)}, not {optimiser!r}")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = build_model(config)
    data = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))
    if optimiser == "lbfgs":
        steps = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=LBFGS_ITERATIONS, history_size=10,
                                  line_search_fn="strong_wolfe")
    else:
        steps = torch.optim.Adam(model.parameters(), lr=lr)
    history, step, best = [], 0, None
    for epoch in range(1, epochs + 1):
        model.train()
        started, totals, batches = time.perf_counter(), {}, 0
        batches_of = [torch.arange(len(data))] if optimiser == "lbfgs" else \
            torch.randperm(len(data), generator=generator).split(batch_size)
        for batch in batches_of:
            extra = {"beta": model.beta_at(step)} if hasattr(model, "beta_at") else {}
            found: dict[str, torch.Tensor] = {}

            def closure(batch=batch, extra=extra, found=found, epoch=epoch):
                steps.zero_grad(set_to_none=True)
                terms = model.loss(data[batch], **extra)
                if not torch.isfinite(terms["loss"]):
                    raise TrainingDiverged(f"the loss stopped being finite in epoch {epoch}; nothing was saved",
                                           key="reason.diverged_loss", epoch=epoch, lr=f"{lr:g}")
                terms["loss"].backward()
                found.update(terms)
                return terms["loss"]
            if optimiser == "lbfgs":
                steps.step(closure)
            else:
                closure()
                steps.step()
            step, batches = step + 1, batches + 1
            for name, value in found.items():
                totals[name] = totals.get(name, 0.0) + float(value.detach())
        record = {"epoch": epoch, **{k: v / batches for k, v in totals.items()},
                  "seconds": round(time.perf_counter() - started, 3)}
        if "beta" in extra:
            record["beta"] = extra["beta"]
        if validation is not None:
            model.eval()
            record["validation"] = _criterion(model, validation)
            if best is None or record["validation"] < best[0]:
                best = (record["validation"], epoch, {k: v.clone() for k, v in model.state_dict().items()})
        history.append(record)
        if log is not None:
            log(record)
    if best is not None:
        model.load_state_dict(best[2])
        history[best[1] - 1]["best"] = True
    return model.eval(), history


def _criterion(model: torch.nn.Module, data: RatingsData) -> float:
    """What early stopping minimises: the validation RMSE, or −NDCG@100."""
    figures = measure(model, data)
    return figures["rmse"] if "rmse" in figures else -figures["ndcg@100"]


@torch.no_grad()
def predicted_ratings(model: torch.nn.Module, train: np.ndarray) -> np.ndarray:
    """I-AutoRec's ratings of every (item, user), items × users, from the items' training columns; an item
    or a user with no training rating gets the default (3)."""
    predicted = model(torch.from_numpy(train)).numpy()
    predicted[~(train > 0).any(axis=1), :] = DEFAULT_RATING
    predicted[:, ~(train > 0).any(axis=0)] = DEFAULT_RATING
    return predicted


@torch.no_grad()
def scores_of(model: torch.nn.Module, histories: np.ndarray) -> np.ndarray:
    """The Mult-* models' scores (logits) of every item for each history."""
    return model(torch.from_numpy(np.ascontiguousarray(histories, dtype=np.float32))).numpy()


def measure(model: torch.nn.Module, data: RatingsData) -> dict[str, float]:
    """The test figures: RMSE and MAE (I-AutoRec), Recall@20, Recall@50, NDCG@100 (Mult-*)."""
    if KINDS[model.kind].input == "item":
        predicted = predicted_ratings(model, data.train)[data.test["items"], data.test["users"]]
        return {"rmse": rmse(predicted, data.test["ratings"]), "mae": mae(predicted, data.test["ratings"])}
    fold_in = data.test["fold_in"]
    return ranking_figures(scores_of(model, fold_in), data.test["held_out"], exclude=fold_in > 0)


def prediction_by_rating(model: torch.nn.Module, data: RatingsData) -> np.ndarray:
    """5 × 5: for each true rating 1–5 of the test fold, the 10th, 25th, 50th, 75th and 90th percentiles of
    I-AutoRec's predictions of it (what "what the autoencoder learned" draws; no rating itself)."""
    predicted = predicted_ratings(model, data.train)[data.test["items"], data.test["users"]]
    return np.array([np.percentile(predicted[data.test["ratings"] == r], (10, 25, 50, 75, 90)) if
                     (data.test["ratings"] == r).any() else np.full(5, np.nan) for r in (1, 2, 3, 4, 5)],
                    dtype=np.float32)


def _pca(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D PCA of ``points``: (the projection, the mean, the two axes) — kept so that a new point lands on it."""
    from sklearn.decomposition import PCA

    fitted = PCA(n_components=2, random_state=0).fit(points)
    return fitted.transform(points).astype(np.float32), fitted.mean_.astype(np.float32), \
        fitted.components_.astype(np.float32)


def _movie_map(vectors: np.ndarray, seed: int = 0, method: str = "umap") -> tuple[np.ndarray, str]:
    """The movies in 2-D: UMAP of their vectors (cosine), or PCA (asked for, or where UMAP cannot run)."""
    if method == "pca":
        return _pca(vectors)[0], "pca"
    try:
        import umap

        return umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=seed).fit_transform(
            vectors).astype(np.float32), "umap"
    except (ImportError, ValueError):
        return _pca(vectors)[0], "pca"


@torch.no_grad()
def page_views(model: torch.nn.Module, data: RatingsData, seed: int = 0, movie_map: str = "umap",
               ) -> dict[str, np.ndarray]:
    """What the Recommendation page shows of a model, computed once and stored beside it
    (explorer.store.recommendation.PAGE_FILE; its reader says what each array is). What needs the ratings is
    stored (float16 where it is a vector per movie or user): I-AutoRec's movie codes, the Mult-* models' user
    codes, the maps; what is in the weights is not stored twice (the reader takes it from model.safetensors)."""
    if KINDS[model.kind].input == "item":
        item_vectors = model.encode(torch.from_numpy(data.full)).numpy()
        user_codes = model.decoder.weight.numpy().copy()
        stored = {"item_vectors": item_vectors.astype(np.float16)}
    else:
        item_vectors = model.decoder[-1].weight.numpy().copy()
        user_codes = model.encode(torch.from_numpy(data.full)).numpy()
        stored = {"user_codes": user_codes.astype(np.float16)}
    xy, method = _movie_map(item_vectors, seed, movie_map)
    user_map, mean, axes = _pca(user_codes)
    views = {**stored, "movie_map": xy, "map_method": np.array(method), "user_map": user_map,
             "user_mean": mean, "user_axes": axes}
    if KINDS[model.kind].posterior_variance:
        prior = np.random.default_rng(seed).standard_normal((len(user_codes), user_codes.shape[1]))
        views["prior_map"] = ((prior - mean) @ axes.T).astype(np.float32)
    if KINDS[model.kind].input == "item":
        views["prediction_by_rating"] = prediction_by_rating(model, data)
    return views


def write_page_views(model: torch.nn.Module, data: RatingsData, path, seed: int = 0, movie_map: str = "umap"):
    """``page_views`` written to ``path`` whole (a temporary file, then renamed over it)."""
    import os
    from pathlib import Path

    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **page_views(model, data, seed, movie_map))
    tmp.chmod(0o644)
    os.replace(tmp, path)
    return path
