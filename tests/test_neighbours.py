"""Nearest neighbours in code and pixel space, and the novelty of generated images."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.analysis.neighbours import nearest, nearest_to_samples


def brute_force(base, query, k, metric):
    if metric == "euclidean":
        d = np.sqrt(((base - query) ** 2).sum(axis=1))
    else:
        d = 1 - base @ query / (np.linalg.norm(base, axis=1) * np.linalg.norm(query))
    order = np.argsort(d, kind="stable")[:k]
    return order, d[order]


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_neighbours_are_those_of_a_brute_force_search(metric):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(500, 16)).astype(np.float32)
    queries = rng.normal(size=(7, 16)).astype(np.float32)
    idx, dist = nearest(base, queries, k=6, metric=metric)
    for q in range(len(queries)):
        expected_idx, expected_dist = brute_force(base.astype(np.float64), queries[q].astype(np.float64), 6, metric)
        assert list(idx[q]) == list(expected_idx)
        assert np.allclose(dist[q], expected_dist, atol=1e-4)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_uint8_pictures_searched_in_chunks_find_what_floats_searched_whole_find(metric):
    pictures = np.random.default_rng(4).integers(0, 256, size=(1000, 6, 6), dtype=np.uint8)
    whole_idx, whole_dist = nearest(pictures.astype(np.float32) / 255, pictures[[3, 500]].astype(np.float32) / 255,
                                    k=7, metric=metric, exclude=np.array([3, 500]))
    idx, dist = nearest(pictures, pictures[[3, 500]], k=7, metric=metric, exclude=np.array([3, 500]), scale=1 / 255,
                        chunk=128)
    assert np.array_equal(idx, whole_idx) and np.allclose(dist, whole_dist, atol=1e-5)


def test_the_query_image_itself_is_left_out():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(100, 4))
    idx, dist = nearest(base, base[[5, 9]], k=3, exclude=np.array([5, 9]))
    assert idx.shape == (2, 3) and 5 not in idx[0] and 9 not in idx[1]
    plain, _ = nearest(base, base[[5]], k=4)
    assert plain[0, 0] == 5 and list(idx[0]) == list(plain[0, 1:])
    assert (np.diff(dist, axis=1) >= 0).all()


def test_images_are_compared_as_flat_pixels():
    images = np.random.default_rng(2).uniform(size=(50, 8, 8))
    idx, _ = nearest(images, images[[3]] + 1e-3, k=1)
    assert idx[0, 0] == 3


def test_a_copied_training_image_has_novelty_zero():
    rng = np.random.default_rng(3)
    reference = rng.uniform(size=(200, 28, 28)).astype(np.float32)
    samples = np.stack([reference[17], rng.uniform(size=(28, 28)).astype(np.float32)])
    idx, dist = nearest_to_samples(samples, reference)
    assert idx[0] == 17 and dist[0] == pytest.approx(0.0, abs=1e-6)
    assert dist[1] > 0.1  # a new image is far from every reference image


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        nearest(np.zeros((3, 2)), np.zeros((1, 2)), k=1, metric="manhattan")
