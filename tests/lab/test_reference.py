"""The first report's algorithm as published."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import mse
from kmeans_lab.lab.reference import (
    choose_centroids,
    reference_kmeans,
    reference_labels,
    reference_on_colours,
    reference_palette,
    reference_quantize,
    reference_run,
)


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


@pytest.mark.parametrize("init", ["random", "in_pixels"])
def test_reference_run_is_reference_kmeans_with_its_phases_timed(small_image, init):
    pixels = small_image.reshape(-1, 3)
    run = reference_run(pixels, 6, init_centroids=init, seed=2)
    centroids, labels, n_iter = reference_kmeans(pixels, 6, init_centroids=init, seed=2)
    np.testing.assert_array_equal(run.centroids, centroids)
    np.testing.assert_array_equal(run.labels, labels)
    assert run.n_iter == n_iter
    assert run.init_seconds >= 0 and run.loop_seconds > 0
    assert run.seconds == run.init_seconds + run.loop_seconds


@pytest.mark.parametrize(("k", "init", "seed"), [(3, "random", 0), (7, "in_pixels", 1), (12, "random", 3)])
def test_labels_rebuilt_from_the_last_assignment_centroids_are_the_runs(small_image, k, init, seed):
    pixels = small_image.reshape(-1, 3)
    run = reference_run(pixels, k, init_centroids=init, seed=seed)
    # in chunks smaller than the image, so the chunking is exercised
    np.testing.assert_array_equal(reference_labels(pixels, run.assigned, chunk=100), run.labels)
    # the returned centroids are the means of the labelled pixels (empty clusters keep theirs)
    for i in np.unique(run.labels):
        np.testing.assert_allclose(run.centroids[i], pixels[run.labels == i].mean(axis=0), rtol=1e-12)


def test_reference_palette_rounds_and_clips():
    got = reference_palette(np.array([[-0.4, 0.5, 254.6], [255.7, 12.49, 3.5]]))
    np.testing.assert_array_equal(got, [[0, 0, 255], [255, 12, 4]])
    assert got.dtype == np.uint8


@pytest.mark.parametrize("init", ["random", "in_pixels"])
@pytest.mark.parametrize("k", [2, 5, 9])
@pytest.mark.parametrize("seed", [0, 4])
def test_reference_on_colours_follows_the_pixel_run(small_image, init, k, seed):
    pixels = small_image.reshape(-1, 3)
    centroids, labels, n_iter = reference_kmeans(pixels, k, init_centroids=init, seed=seed)
    c, lab, n = reference_on_colours(small_image, k, init, seed)
    assert n == n_iter
    np.testing.assert_array_equal(lab, labels)
    np.testing.assert_allclose(c, centroids, rtol=0, atol=1e-9)


def test_reference_on_colours_checks_k_like_the_report():
    image = np.zeros((4, 4, 3), np.uint8)
    image[0, 0] = 255
    with pytest.raises(ValueError, match="k=3 is more than the image's distinct colours"):
        reference_on_colours(image, 3, "in_pixels")
    with pytest.raises(ValueError, match="unknown init 'kmeans\\+\\+'"):
        reference_on_colours(image, 2, "kmeans++")
