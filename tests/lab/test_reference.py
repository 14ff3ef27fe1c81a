"""The first report's algorithm as published."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import mse
from kmeans_lab.lab.reference import choose_centroids, reference_kmeans, reference_quantize


@pytest.mark.parametrize("init", ["random", "in_pixels"])
def test_reference_centroids_unique_and_in_range(small_image, init):
    pixels = small_image.reshape(-1, 3)
    centres = choose_centroids(init, pixels, 12, np.random.default_rng(0))
    assert len({tuple(c) for c in centres.tolist()}) == 12
    assert centres.min() >= 0 and centres.max() <= 255
    if init == "in_pixels":
        colours = {tuple(p) for p in pixels.tolist()}
        assert all(tuple(int(v) for v in c) in colours for c in centres)


def test_reference_stops_on_small_centroid_move(small_image):
    pixels = small_image.reshape(-1, 3)
    centroids, labels, n_iter = reference_kmeans(pixels, 4, init_centroids="in_pixels", seed=1)
    assert 1 <= n_iter < 10000
    # One more step from its result moves no centroid by 0.001 or more (the report's rule).
    again, _, _ = reference_kmeans(pixels, 4, max_iter=1, init_centroids="in_pixels", seed=1)
    d = ((pixels[:, None, :] / 255 - centroids[None] / 255) ** 2).sum(-1)
    np.testing.assert_array_equal(labels, d.argmin(axis=1))
    assert again.shape == centroids.shape


def test_reference_quantize_is_comparable_to_ours(small_image):
    from kmeans_lab import quantize

    theirs = reference_quantize(small_image, 5, init_centroids="in_pixels", seed=0)
    ours = quantize(small_image, 5, init="in_pixels", seed=0).image
    assert len(np.unique(theirs.reshape(-1, 3), axis=0)) <= 5
    assert mse(small_image, ours) <= 1.5 * mse(small_image, theirs)


def test_reference_rejects_unknown_init(small_image):
    with pytest.raises(ValueError, match="unknown init 'kmeans\\+\\+'"):
        reference_kmeans(small_image.reshape(-1, 3), 3, init_centroids="kmeans++")
