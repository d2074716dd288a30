"""What the Recommendation page reads, checked whole: the shipped movies (``movies.json``: titles, years,
genres, popularity — no rating) and each recommender's stored views (``recommendation.npz``, written by its
training: explorer.training.recommend.page_views). No torch here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from explorer.data.datasets import pretrained_dir
from explorer.data.movielens import GENRES, MOVIES_FILE, N_ITEMS, N_USERS
from explorer.data.movielens import NAME as MOVIELENS
from explorer.errors import RecommendationUnavailable
from explorer.store.catalog import ModelInfo
from explorer.store.folders import RECOMMENDATION_FILE as PAGE_FILE
from explorer.store.folders import WEIGHTS_FILE
from explorer.store.npz import read_npz


def _weights(path: Path, name: str) -> np.ndarray:
    """One tensor of a checkpoint's weights, as float32, with no torch (safetensors' numpy reader)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return np.asarray(load_file(str(path))[name], dtype=np.float32)
    except (SafetensorError, OSError, KeyError, ValueError) as err:
        raise RecommendationUnavailable(f"its weights cannot be read ({type(err).__name__})", path,
                                        key="reason.damaged", detail=type(err).__name__) from None

VIEW_ARRAYS = ("movie_map", "user_map", "user_mean", "user_axes")
# What the weights hold is not stored twice: I-AutoRec's users are the rows of its decoder, the Mult-* models'
# movies the rows of their decoder's last layer.
FROM_WEIGHTS = {"autorec": ("user_codes", "decoder.weight"), "multdae": ("item_vectors", "decoder.2.weight"),
                "multvae": ("item_vectors", "decoder.2.weight")}


def movies_path() -> Path:
    return pretrained_dir() / MOVIELENS / MOVIES_FILE


def read_movies(path: Path | None = None) -> dict:
    """``movies.json``: {"movies": [{"title", "year", "genres", "ratings", "likes"}, …], "genres": [...]}."""
    path = Path(path or movies_path())
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecommendationUnavailable("file is missing", path, key="reason.missing") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise RecommendationUnavailable(f"is not valid JSON ({type(err).__name__})", path, key="reason.damaged",
                                        detail=type(err).__name__) from None
    movies = doc.get("movies") if isinstance(doc, dict) else None
    if not isinstance(movies, list) or len(movies) != N_ITEMS:
        raise RecommendationUnavailable(f"does not list the {N_ITEMS:,} movies", path, key="reason.damaged",
                                        detail="movies")
    for movie in movies:
        if not (isinstance(movie, dict) and isinstance(movie.get("title"), str)
                and isinstance(movie.get("genres"), list) and all(g in GENRES for g in movie["genres"])
                and isinstance(movie.get("ratings"), int) and isinstance(movie.get("likes"), int)):
            raise RecommendationUnavailable("holds a movie it cannot describe", path, key="reason.damaged",
                                            detail="movie")
    return doc


def read_page_views(info: ModelInfo, n_items: int = N_ITEMS) -> dict[str, np.ndarray]:
    """A recommender's views, each array of the shape its page draws (float32):
    - ``item_vectors``: each movie's vector (I-AutoRec: its code; Mult-*: its row of the decoder's last layer);
      ``movie_map``: those in 2-D (UMAP, cosine; ``map_method``);
    - ``user_codes``: each user's code (I-AutoRec: their row of the decoder; Mult-*: the code of their history);
      ``user_map``: their 2-D PCA, ``user_mean`` and ``user_axes`` its centre and axes (a visitor's code lands there);
    - Mult-VAE: ``prior_map``, samples of N(0, I) on the same axes; I-AutoRec: ``prediction_by_rating`` (5 × 5:
      the 10th–90th percentiles of its predictions of the test fold's ratings of each number of stars)."""
    path = info.folder / PAGE_FILE
    arrays = read_npz(path, VIEW_ARRAYS, RecommendationUnavailable,
                      optional=("item_vectors", "user_codes", "prior_map", "prediction_by_rating", "map_method"))
    name, tensor = FROM_WEIGHTS.get(info.kind, ("", ""))
    if name and name not in arrays:
        arrays[name] = _weights(info.folder / WEIGHTS_FILE, tensor)
    for name in ("item_vectors", "user_codes"):
        if name not in arrays:
            raise RecommendationUnavailable(f"has no {name} array", path, key="reason.no_array", names=name)
        arrays[name] = np.asarray(arrays[name], dtype=np.float32)
    shapes = {"item_vectors": (n_items, None), "movie_map": (n_items, 2), "user_codes": (N_USERS, None),
              "user_map": (N_USERS, 2), "user_mean": (None,), "user_axes": (2, None), "prior_map": (N_USERS, 2),
              "prediction_by_rating": (5, 5)}
    for name, array in arrays.items():
        want = shapes.get(name)
        if want is None:
            continue
        if array.ndim != len(want) or any(w is not None and w != s for w, s in zip(want, array.shape)) \
                or not np.issubdtype(array.dtype, np.floating) or not np.isfinite(array).all():
            raise RecommendationUnavailable(f"its {name} array is not what the page draws", path,
                                            key="reason.damaged", detail=name)
    dims = arrays["user_codes"].shape[1]
    if arrays["user_mean"].shape != (dims,) or arrays["user_axes"].shape != (2, dims):
        raise RecommendationUnavailable("its user map's axes do not match its codes", path, key="reason.damaged",
                                        detail="user_axes")
    return arrays
