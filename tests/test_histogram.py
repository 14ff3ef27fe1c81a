"""Colour histograms: the image's colours, counts and each pixel's colour, as numpy.unique gives them, in one row
block or many; the map back of an image through its histogram's labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_lab.histogram import (
    ColorHistogram,
    count_keys,
    distinct_colors,
    label_pixels,
    pack_colors,
    row_chunks,
    unpack_colors,
)


def test_pack_colors_orders_like_the_colours():
    rng = np.random.default_rng(0)
    colors = rng.integers(0, 256, size=(500, 3), dtype=np.uint8)
    keys = pack_colors(colors)
    assert keys.dtype == np.uint32
    np.testing.assert_array_equal(np.argsort(keys, kind="stable"), np.lexsort(colors.T[::-1]))
    np.testing.assert_array_equal(
        keys, colors[:, 0].astype(np.uint32) << 16 | colors[:, 1].astype(np.uint32) << 8 | colors[:, 2]
    )


def _unique_reference(image):
    colors, inverse, counts = np.unique(image.reshape(-1, 3), axis=0, return_inverse=True, return_counts=True)
    return colors, counts, inverse.reshape(-1)


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (600, 500)])
def test_distinct_colors_equals_unique(shape):
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, size=(3000, 3), dtype=np.uint8)
    image = palette[rng.integers(0, 3000, size=shape)]
    image[0, 0] = (255, 255, 255)
    colors, counts, inverse = distinct_colors(image)
    ref_colors, ref_counts, ref_inverse = _unique_reference(image)
    np.testing.assert_array_equal(colors, ref_colors)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(inverse, ref_inverse)
    assert colors.dtype == np.uint8 and counts.dtype == np.int64 and inverse.dtype == np.int32


def _image(channels: int, rng: np.random.Generator) -> np.ndarray:
    """500 colours over 61×47 pixels; RGBA: some opaque, some fully transparent whatever their colour."""
    palette = rng.integers(0, 256, size=(500, channels), dtype=np.uint8)
    if channels == 4:
        palette[:100, 3] = 255
        palette[100:150, 3] = 0
    return palette[rng.integers(0, 500, size=(61, 47))]


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("block_pixels", [10**9, 200])  # one block; blocks of 4 rows whose keys are merged
def test_count_keys_equals_unique_in_one_block_or_many(channels, block_pixels):
    image = _image(channels, np.random.default_rng(channels))
    keys, counts = count_keys(image, block_pixels)
    ref_keys, ref_counts = np.unique(pack_colors(image), return_counts=True)
    np.testing.assert_array_equal(keys, ref_keys)
    np.testing.assert_array_equal(counts, ref_counts)
    assert keys.dtype == np.uint32 and counts.dtype == np.int64


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("block_pixels", [10**9, 200])
def test_label_pixels_is_the_labels_of_each_pixels_colour(channels, block_pixels):
    image = _image(channels, np.random.default_rng(10 + channels))
    h = ColorHistogram.from_image(image)
    labels = np.random.default_rng(0).integers(0, 300, len(h))
    _, _, inverse = distinct_colors(image)
    out = label_pixels(image, h.keys, labels, np.uint16, block_pixels)
    assert out.shape == image.shape[:2] and out.dtype == np.uint16
    np.testing.assert_array_equal(out.reshape(-1), labels[inverse])


def test_label_pixels_of_an_opaque_rgba_image_and_a_transparent_one():
    rgb = _image(3, np.random.default_rng(5))
    opaque = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    for image in (opaque, np.zeros_like(opaque)):
        h = ColorHistogram.from_image(image)
        labels = np.arange(len(h)) % 256
        _, _, inverse = distinct_colors(image)
        np.testing.assert_array_equal(label_pixels(image, h.keys, labels).reshape(-1), labels[inverse])


def test_unpack_inverts_pack():
    keys = np.array([0, 1, 0xFF, 0x123456, 0xFFFFFF], np.uint32)
    np.testing.assert_array_equal(pack_colors(unpack_colors(keys)), keys)


def test_row_chunks_cover_the_image_once():
    image = np.arange(7 * 5 * 3, dtype=np.uint8).reshape(7, 5, 3)
    blocks = list(row_chunks(image, max_pixels=10))
    assert [top for top, _ in blocks] == [0, 2, 4, 6]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), image)


def _reference_histogram(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    colors, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    return colors, counts


def test_histogram_of_an_image_equals_unique():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(200, 3), dtype=np.uint8)[rng.integers(0, 200, size=(90, 70))]
    h = ColorHistogram.from_image(image)
    colors, counts = _reference_histogram(image)
    np.testing.assert_array_equal(h.colors, colors)
    np.testing.assert_array_equal(h.counts, counts)
    assert h.counts.dtype == np.int64 and h.colors.dtype == np.uint8
    assert h.n_pixels == 90 * 70 and len(h) == len(colors)


small_images = arrays(
    np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3)), elements=st.sampled_from([0, 1, 7, 200, 255])
)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(small_images, min_size=1, max_size=5))
def test_merge_equals_histogram_of_the_concatenated_pixels(parts):
    merged = sum(ColorHistogram.from_image(p) for p in parts)
    colors, counts = _reference_histogram(np.concatenate([p.reshape(-1, 3) for p in parts]))
    np.testing.assert_array_equal(merged.colors, colors)
    np.testing.assert_array_equal(merged.counts, counts)
    a = ColorHistogram.from_image(parts[0])
    np.testing.assert_array_equal((merged + a).counts, (a + merged).counts)  # commutative


def test_merge_refuses_other_types():
    h = ColorHistogram.from_image(np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(TypeError):
        h + 1  # noqa: B018
    assert "1 colours, 1 pixels" in repr(h)


def test_histogram_pickles_compactly():
    import pickle

    rng = np.random.default_rng(0)
    h = ColorHistogram.from_image(rng.integers(0, 256, size=(300, 300, 3), dtype=np.uint8))
    blob = pickle.dumps(h)
    assert len(blob) < 12 * len(h) + 1000
    back = pickle.loads(blob)
    np.testing.assert_array_equal(back.colors, h.colors)
    np.testing.assert_array_equal(back.counts, h.counts)


# --------------------------------------------------------------------------- RGBA


def _normalised_rgba(image: np.ndarray) -> np.ndarray:
    flat = image.reshape(-1, 4).copy()
    flat[flat[:, 3] == 0] = 0
    return flat


def test_rgba_keys_sort_by_alpha_and_pack_transparent_as_zero():
    colors = np.array([[1, 2, 3, 255], [9, 9, 9, 0], [1, 2, 3, 4], [0, 0, 0, 0]], np.uint8)
    keys = pack_colors(colors)
    assert [hex(int(k)) for k in keys] == ["0xff010203", "0x0", "0x4010203", "0x0"]
    back = unpack_colors(keys, 4)
    assert back.tolist() == [[1, 2, 3, 255], [0, 0, 0, 0], [1, 2, 3, 4], [0, 0, 0, 0]]


def test_rgba_histogram_equals_unique_of_normalised_pixels():
    rng = np.random.default_rng(6)
    image = rng.integers(0, 4, size=(60, 50, 4)).astype(np.uint8) * 85
    image[..., 3] = np.where(rng.random((60, 50)) < 0.6, 255, image[..., 3])  # mostly opaque
    h = ColorHistogram.from_image(image)
    colors, counts = np.unique(_normalised_rgba(image), axis=0, return_counts=True)
    order = np.argsort(pack_colors(colors), kind="stable")
    np.testing.assert_array_equal(h.colors, colors[order])
    np.testing.assert_array_equal(h.counts, counts[order])
    assert h.channels == 4 and h.n_pixels == 60 * 50
    assert h.colors[0].tolist() == [0, 0, 0, 0]  # the transparent colour comes first
    assert (np.diff(h.keys.astype(np.int64)) > 0).all()
    colors, counts, inverse = distinct_colors(image)
    np.testing.assert_array_equal(colors[inverse], _normalised_rgba(image))


def test_rgb_histogram_added_to_rgba_counts_as_opaque():
    rgb = np.array([[[1, 2, 3], [4, 5, 6]]], np.uint8)
    rgba = np.array([[[1, 2, 3, 255], [7, 7, 7, 0], [1, 2, 3, 9]]], np.uint8)
    merged = ColorHistogram.from_image(rgb) + ColorHistogram.from_image(rgba)
    assert merged.channels == 4
    assert merged.colors.tolist() == [[0, 0, 0, 0], [1, 2, 3, 9], [1, 2, 3, 255], [4, 5, 6, 255]]
    assert merged.counts.tolist() == [1, 1, 2, 1]
