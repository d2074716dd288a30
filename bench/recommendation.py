"""The recommenders side by side with a maintained library's, on the same splits (docs/zoo.md's table).

    python -m explorer.data fetch movielens-100k
    pip install -r bench/requirements.txt
    python bench/recommendation.py [--folds 5] [--markdown]
    python bench/recommendation.py --fold-in     # how the shipped I-AutoRec folds a visitor in

Rating prediction, 5-fold cross-validation on explorer.data.movielens's folds: I-AutoRec (this package's
training, at the paper's 500 hidden units and at 50) against scikit-surprise's SVD, SVD++ and item-based
kNN (KNNBaseline, Pearson-baseline similarity), each trained on the same four folds and measured on the fifth.

Top-N, strong generalisation on the same 100 test users (given 80 % of their history, their held-out likes
ranked): Mult-DAE and Mult-VAE (this package) against Cornac's VAECF (Mult-VAE's own implementation there,
the same [I → 600 → 200] shape), EASE (λ = 500) and popularity. Every model is trained on the 743 training
users alone; Cornac's VAECF and EASE score a test user's history with their own encoder / item weights.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.data.datasets import default_data_root
from explorer.data.movielens import load_movielens
from explorer.metrics.ranking import mae, ranking_figures, rmse
from explorer.models.recommenders import RatingsConfig
from explorer.training.recommend import TRAINING, measure, ratings_data, train_recommender


def ours(kind: str, data, latent_dim: int, seed: int = 0) -> dict[str, float]:
    run = TRAINING[kind]
    model, _ = train_recommender(RatingsConfig(kind=kind, latent_dim=latent_dim), data.train, run["epochs"],
                                 run["batch_size"], run["lr"], seed, validation=data.validation,
                                 optimiser=run["optimiser"])
    return measure(model, data)


def surprise_figures(algorithm, ratings, train: np.ndarray, test: np.ndarray) -> dict[str, float]:
    import pandas as pd
    from surprise import Dataset, Reader

    frame = pd.DataFrame({"user": ratings.users[train], "item": ratings.items[train], "rating": ratings.ratings[train]})
    trainset = Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()
    algorithm.fit(trainset)
    predicted = np.array([algorithm.predict(u, i).est for u, i in zip(ratings.users[test], ratings.items[test])])
    return {"rmse": rmse(predicted, ratings.ratings[test]), "mae": mae(predicted, ratings.ratings[test])}


def rating_rows(ratings, splits, folds: int) -> list[tuple[str, dict[str, float], float]]:
    from surprise import SVD, KNNBaseline, SVDpp

    makers = {
        "I-AutoRec, 500 hidden units (this package)": lambda d, tr, te: ours("autorec", d, 500),
        "I-AutoRec, 50 hidden units (this package)": lambda d, tr, te: ours("autorec", d, 50),
        "SVD (surprise)": lambda d, tr, te: surprise_figures(SVD(random_state=0), ratings, tr, te),
        "SVD++ (surprise)": lambda d, tr, te: surprise_figures(SVDpp(random_state=0), ratings, tr, te),
        "item kNN, KNNBaseline (surprise)": lambda d, tr, te: surprise_figures(
            KNNBaseline(sim_options={"name": "pearson_baseline", "user_based": False}, verbose=False), ratings, tr, te),
    }
    rows = []
    for name, make in makers.items():
        figures, started = [], time.perf_counter()
        for fold in range(folds):
            test = splits["fold"] == fold
            figures.append(make(ratings_data("autorec", ratings, splits, fold), ~test, test))
            print(f"{name}, fold {fold}: {figures[-1]}", file=sys.stderr, flush=True)
        rows.append((name, {k: float(np.mean([f[k] for f in figures])) for k in figures[0]},
                     (time.perf_counter() - started) / folds))
    return rows


def cornac_scores(model_name: str, data) -> np.ndarray:
    """Cornac's model trained on the training users' likes, scoring the test users' fold-in histories."""
    import torch
    from cornac.data import Dataset
    from cornac.models import EASE, VAECF

    users, items = np.nonzero(data.train)
    train_set = Dataset.from_uir([(str(u), str(i), 1.0) for u, i in zip(users, items)], seed=0)
    order = np.array([int(raw) for raw in train_set.item_ids])  # Cornac's item index → ours
    fold_in = data.test["fold_in"][:, order]
    scores = np.full(data.test["fold_in"].shape, -np.inf)
    if model_name == "vaecf":
        model = VAECF(k=200, autoencoder_structure=[600], act_fn="tanh", likelihood="mult", n_epochs=200,
                      batch_size=100, learning_rate=0.001, beta=0.2, seed=0, verbose=False)
        model.fit(train_set)
        with torch.no_grad():
            mu, _ = model.vae.encode(torch.tensor(fold_in, dtype=torch.float32))
            scores[:, order] = model.vae.decode(mu).numpy()
    else:
        model = EASE(lamb=500, posB=True, seed=0, verbose=False)
        model.fit(train_set)
        scores[:, order] = fold_in @ model.B
    return scores


def top_n_rows(ratings, splits) -> list[tuple[str, dict[str, float], float]]:
    data = ratings_data("multvae", ratings, splits)
    fold_in, held_out = data.test["fold_in"], data.test["held_out"]
    rows = []

    def timed(name, make):
        started = time.perf_counter()
        figures = make()
        rows.append((name, figures, time.perf_counter() - started))
        print(f"{name}: {figures}", file=sys.stderr, flush=True)

    timed("Mult-VAE (this package)", lambda: ours("multvae", data, 200))
    timed("Mult-DAE (this package)", lambda: ours("multdae", data, 200))
    timed("Mult-VAE, VAECF (Cornac)", lambda: ranking_figures(cornac_scores("vaecf", data), held_out, fold_in > 0))
    timed("EASE (Cornac)", lambda: ranking_figures(cornac_scores("ease", data), held_out, fold_in > 0))
    popularity = np.repeat(data.train.sum(axis=0)[None], len(fold_in), axis=0)
    timed("popularity", lambda: ranking_figures(popularity, held_out, fold_in > 0))
    return rows


def fold_in_rows(ratings, splits, shrinkages=(1.0, 0.1, 0.01, 0.001), given=(3, 10), users=150) -> list[tuple]:
    """How well the shipped I-AutoRec folds a new user in (explorer.analysis.recommend): users of the test fold,
    each given ``k`` of their test ratings, their other test ratings predicted; the RMSE at each shrinkage of the
    ridge's prior, and the mean user's (no rating given)."""
    import explorer.analysis.recommend as fold_in
    from explorer.store.catalog import find_model
    from explorer.store.checkpoint import load_pretrained
    from explorer.store.recommendation import read_page_views

    info = find_model("movielens-100k", "autorec-z500")
    model, views = load_pretrained(info.folder), read_page_views(info)
    test = splits["fold"] == 0
    rng = np.random.default_rng(0)
    chosen = rng.choice(np.unique(ratings.users[test]), users, replace=False)
    draws = {}
    for user in chosen:
        mine = rng.permutation(np.flatnonzero(test & (ratings.users == user)))
        if len(mine) >= max(given) + 3:
            draws[int(user)] = mine
    rows, kept = [], fold_in.PRIOR_SHRINKAGE
    try:
        for shrinkage in (None, *shrinkages):
            fold_in.PRIOR_SHRINKAGE = shrinkage or kept
            figures = {}
            for k in given:
                errors = []
                for mine in draws.values():
                    shown, hidden = mine[:k], mine[max(given):]
                    rated = {} if shrinkage is None else {int(ratings.items[i]): float(ratings.ratings[i]) for i in shown}
                    predicted, _ = fold_in.autorec_predictions(model, views, rated)
                    errors.append(predicted[ratings.items[hidden]] - ratings.ratings[hidden])
                figures[k] = rmse(np.concatenate(errors), 0.0)
            rows.append(("the mean user (nothing given)" if shrinkage is None else f"shrinkage {shrinkage:g}", figures))
    finally:
        fold_in.PRIOR_SHRINKAGE = kept
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--skip-ratings", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--fold-in", action="store_true", help="only: how the shipped I-AutoRec folds a new user in")
    args = parser.parse_args(argv)
    import torch

    torch.manual_seed(0)
    ratings, splits = load_movielens(args.data_root or default_data_root())
    if args.fold_in:
        rows = fold_in_rows(ratings, splits)
        print("| prior | RMSE, 3 ratings given | RMSE, 10 given |\n| --- | --- | --- |")
        for name, f in rows:
            print(f"| {name} | {f[3]:.4f} | {f[10]:.4f} |")
        return 0
    rating = [] if args.skip_ratings else rating_rows(ratings, splits, args.folds)
    ranking = top_n_rows(ratings, splits)
    if args.markdown:
        print(f"Rating prediction, MovieLens-100K, {args.folds}-fold cross-validation (mean):\n")
        print("| model | RMSE | MAE | seconds per fold |\n| --- | --- | --- | --- |")
        for name, f, s in rating:
            print(f"| {name} | {f['rmse']:.4f} | {f['mae']:.4f} | {s:.0f} |")
        print("\nTop-N, strong generalisation, 100 test users:\n")
        print("| model | Recall@20 | Recall@50 | NDCG@100 | seconds |\n| --- | --- | --- | --- | --- |")
        for name, f, s in ranking:
            print(f"| {name} | {f['recall@20']:.3f} | {f['recall@50']:.3f} | {f['ndcg@100']:.3f} | {s:.0f} |")
    else:
        for name, f, s in [*rating, *ranking]:
            print(name, {k: round(v, 4) for k, v in f.items()}, f"{s:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
