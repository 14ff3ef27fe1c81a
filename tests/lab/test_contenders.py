"""The compared quantizers: each returns a K-colour uint8 image of the input's shape."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab.lab.contenders import CONTENDERS, available_contenders


def test_unknown_contender_is_rejected():
    with pytest.raises(ValueError, match="unknown contender"):
        available_contenders(["kmeans_lab", "gimp"])


def test_contenders_return_uint8_images_of_the_input_shape():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(12, 10, 3), dtype=np.uint8)
    runnable, _ = available_contenders(list(CONTENDERS))
    for name in runnable:
        out = CONTENDERS[name](image, 4, 0, 50, 1e-4)
        assert out.shape == image.shape and out.dtype == np.uint8, name
        assert len(np.unique(out.reshape(-1, 3), axis=0)) <= 4, name


def test_kmeans_lab_contenders_cluster_in_their_colour_space():
    from kmeans_lab import quantize

    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(16, 12, 3), dtype=np.uint8)
    for name, space in (("kmeans_lab", "rgb"), ("kmeans_lab_oklab", "oklab"), ("kmeans_lab_lab", "lab")):
        expected = quantize(image, 5, seed=0, color_space=space).image
        np.testing.assert_array_equal(CONTENDERS[name](image, 5, 0, 300, 1e-4), expected, err_msg=name)
    assert not np.array_equal(CONTENDERS["kmeans_lab"](image, 5, 0, 300, 1e-4), expected)  # the spaces differ here


def test_rgba_contenders_keep_the_alpha_channel():
    from kmeans_lab.lab.contenders import RGBA_CONTENDERS

    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, size=(12, 10, 4), dtype=np.uint8)
    rgba[:3, :, 3] = 0
    runnable, _ = available_contenders(list(RGBA_CONTENDERS))
    assert "floor" in runnable
    for name in runnable:
        out = RGBA_CONTENDERS[name](rgba, 4, 0)
        assert out.shape == rgba.shape and out.dtype == np.uint8, name
        if name != "floor":  # the floor's centres are spread over the colours, not a clustering
            assert len(np.unique(out.reshape(-1, 4), axis=0)) <= 4, name
