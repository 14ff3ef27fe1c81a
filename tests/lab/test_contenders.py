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
