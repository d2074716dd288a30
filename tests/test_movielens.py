"""The recommenders on MovieLens-100K's real ratings, and the rule that no rating ships.

The ratings are fetched onto the machine, never committed (``python -m explorer.data fetch movielens-100k``):
without them these tests are skipped with that command, except in CI (``EXPLORER_CI=1``, set by .ci/run,
which fetches them first), where a missing copy fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.data.datasets import default_data_root
from explorer.data.movielens import FETCH_COMMAND, N_ITEMS, N_RATINGS, N_USERS, has_movielens, load_movielens
from explorer.metrics.ranking import ndcg_at_k, rmse
from explorer.models.recommenders import RatingsConfig
from explorer.training.recommend import measure, ratings_data, train_recommender

SHIPPED = Path(__file__).resolve().parent.parent / "pretrained" / "movielens-100k"


@pytest.fixture(scope="module")
def movielens():
    root = default_data_root()
    if not has_movielens(root):
        if os.environ.get("EXPLORER_CI") == "1":
            pytest.fail(f"MovieLens-100K is not in {root}: .ci/run runs `{FETCH_COMMAND}` first")
        pytest.skip(f"MovieLens-100K's ratings are not on this machine: run `{FETCH_COMMAND}`")
    return load_movielens(root)


def test_the_fetched_ratings_are_movielens_100k(movielens):
    from explorer.store.recommendation import read_movies

    ratings, splits = movielens
    assert len(ratings.ratings) == N_RATINGS
    assert len(np.unique(ratings.users)) == N_USERS and len(np.unique(ratings.items)) == N_ITEMS
    assert ratings.ratings.mean() == pytest.approx(3.53, abs=0.01)  # MovieLens-100K's mean rating
    counts = np.bincount(ratings.items, minlength=N_ITEMS)
    shipped = read_movies()["movies"]
    assert [m["ratings"] for m in shipped] == counts.tolist()  # movies.json was written from these ratings
    assert np.bincount(splits["fold"]).tolist() == [N_RATINGS // 5] * 5


@pytest.mark.slow
def test_i_autorec_trained_on_four_folds_predicts_the_fifth_better_than_the_item_means(movielens):
    ratings, splits = movielens
    data = ratings_data("autorec", ratings, splits)
    model, _ = train_recommender(RatingsConfig(kind="autorec", latent_dim=100), data.train, 4, 0, 1.0,
                                 validation=data.validation, optimiser="lbfgs")
    item_means = np.array([row[row > 0].mean() if (row > 0).any() else 3.0 for row in data.train])
    baseline = rmse(item_means[data.test["items"]], data.test["ratings"])
    assert measure(model, data)["rmse"] < baseline - 0.05


@pytest.mark.slow
def test_mult_dae_ranks_the_held_out_users_likes_above_popularity(movielens):
    ratings, splits = movielens
    data = ratings_data("multdae", ratings, splits)
    model, _ = train_recommender(RatingsConfig(kind="multdae", latent_dim=50, hidden=200), data.train, 15, 100, 1e-3,
                                 validation=data.validation)
    fold_in, held_out = data.test["fold_in"], data.test["held_out"]
    popularity = np.repeat(data.train.sum(axis=0)[None], len(fold_in), axis=0)
    assert measure(model, data)["ndcg@100"] > ndcg_at_k(popularity, held_out, 100, fold_in > 0) + 0.02


@pytest.mark.slow
def test_the_training_command_writes_a_recommender_that_opens_and_says_how_it_was_measured(movielens, tmp_path):
    from explorer.store.catalog import ModelInfo
    from explorer.store.checkpoint import load_pretrained, read_config, read_metrics
    from explorer.store.recommendation import read_page_views

    out = tmp_path / "autorec-z20"
    done = subprocess.run([sys.executable, "-m", "explorer.train", "--dataset", "movielens-100k", "--model", "autorec",
                           "--latent-dim", "20", "--epochs", "2", "--no-progress", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert type(load_pretrained(out)).__name__ == "ItemAutoRec"
    metrics = read_metrics(out)
    assert set(metrics["test"]) == {"rmse", "mae"} and "fold 0" in metrics["protocol"]
    assert read_config(out)[1]["training"]["optimiser"] == "lbfgs"
    assert read_page_views(ModelInfo("movielens-100k", out.name, out, "autorec", 20))["movie_map"].shape == (N_ITEMS, 2)
    assert ratings_in(out) == []


def ratings_in(folder: Path) -> list[str]:
    """Arrays of ``folder``'s files that could hold MovieLens's ratings: one value per rating, or a users × items
    table whose values are all stars (0–5 in steps of one)."""
    from safetensors.numpy import load_file

    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                arrays = {f"{path.name}:{k}": archive[k] for k in archive.files}
        elif path.suffix == ".safetensors":
            arrays = {f"{path.name}:{k}": v for k, v in load_file(str(path)).items()}
        else:
            continue
        for name, array in arrays.items():
            if N_RATINGS in array.shape or {N_USERS, N_ITEMS} <= set(array.shape) and np.isin(array, np.arange(6)).all():
                found.append(name)
    return found


def test_no_rating_ships(tmp_path):
    assert SHIPPED.is_dir()
    assert ratings_in(SHIPPED) == []
    # the guard finds what it guards against: a table of the ratings, and one value per rating
    np.savez(tmp_path / "leak.npz", matrix=np.random.default_rng(0).integers(0, 6, (N_USERS, N_ITEMS)),
             triples=np.zeros((N_RATINGS, 3)))
    assert ratings_in(tmp_path) == ["leak.npz:matrix", "leak.npz:triples"]
