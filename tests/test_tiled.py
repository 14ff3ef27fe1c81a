"""Large images as Dask arrays: a tiled TIFF quantized chunk by chunk equals quantize in memory."""

from __future__ import annotations

import pickle

import dask
import numpy as np
import pytest

from kmeans_lab import ImageError, quantize, read_image
from kmeans_lab.lab.paths import data_path

tifffile = pytest.importorskip("tifffile")
zarr = pytest.importorskip("zarr")
da = pytest.importorskip("dask.array")

from kmeans_lab.tiled import TiffSource, quantize_tiled, read_tiled, save_tiled, tiled_histogram  # noqa: E402


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A photograph whose sides are not multiples of the tile or the chunk."""
    return np.ascontiguousarray(read_image(data_path("astronaut.png"))[:300, :270])


@pytest.fixture(scope="module")
def tiled_tiff(photo, tmp_path_factory):
    path = tmp_path_factory.mktemp("tiff") / "photo.tif"
    tifffile.imwrite(path, photo, tile=(64, 64), photometric="rgb")
    return path


def _read_palette_tiff(path):
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert page.photometric == tifffile.PHOTOMETRIC.PALETTE and page.is_tiled
        return page.asarray(), page.colormap


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_tiled_tiff_equals_quantize_in_memory(photo, tiled_tiff, tmp_path, scheduler):
    x = read_tiled(tiled_tiff, chunks=128)
    assert x.shape == photo.shape and x.numblocks == (3, 3, 1)
    reference = quantize(photo, 12, seed=4)
    with dask.config.set(scheduler=scheduler):
        result = quantize_tiled(x, 12, seed=4)
        _check_saved(result, reference, tmp_path)


def _check_saved(result, reference, tmp_path):
    np.testing.assert_array_equal(result.palette.colors, reference.palette.colors)
    np.testing.assert_array_equal(result.compute(), reference.labels)
    assert result.n_distinct == reference.n_distinct
    n_bytes = result.save(tmp_path / "out.tif", tile=64)
    assert n_bytes == (tmp_path / "out.tif").stat().st_size
    labels, colormap = _read_palette_tiff(tmp_path / "out.tif")
    np.testing.assert_array_equal(labels, reference.labels)
    np.testing.assert_array_equal(colormap[:, :12] // 257, reference.palette.colors.T)
    assert not list(tmp_path.glob(".*"))


def test_zarr_store_out_and_in(photo, tmp_path):
    reference = quantize(photo, 6)
    result = quantize_tiled(da.from_array(photo, chunks=(100, 100, 3)), 6)
    for _ in range(2):  # the second save replaces the store
        result.save(tmp_path / "labels.zarr", tile=64)
    store = zarr.open_array(str(tmp_path / "labels.zarr"), mode="r")
    np.testing.assert_array_equal(store[:], reference.labels)
    assert store.attrs["palette"] == reference.palette.colors.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.zarr"]
    # A zarr store of pixels is an input too.
    zarr.create_array(str(tmp_path / "pixels.zarr"), shape=photo.shape, chunks=(128, 128, 3), dtype=np.uint8)[:] = photo
    again = quantize_tiled(read_tiled(tmp_path / "pixels.zarr"), 6)
    np.testing.assert_array_equal(again.compute(), reference.labels)


def test_on_a_cluster(on_cluster, photo, tiled_tiff, tmp_path):
    from distributed import get_task_stream

    with get_task_stream(on_cluster) as stream:
        _check_saved(quantize_tiled(read_tiled(tiled_tiff, chunks=128), 12), quantize(photo, 12), tmp_path)
    assert stream.data  # the chunks were counted and mapped on the cluster


def test_tiff_source_is_picklable_and_reads_a_window(photo, tiled_tiff):
    source = pickle.loads(pickle.dumps(TiffSource(tiled_tiff)))
    assert source.shape == photo.shape and source.tile == (64, 64)
    np.testing.assert_array_equal(source[70:130, 10:200], photo[70:130, 10:200])


def test_histogram_is_exact(photo):
    from kmeans_lab import ColorHistogram

    h = tiled_histogram(da.from_array(photo, chunks=(50, 60, 3)))
    expected = ColorHistogram.from_image(photo)
    np.testing.assert_array_equal(h.colors, expected.colors)
    np.testing.assert_array_equal(h.counts, expected.counts)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p, d: read_tiled(d / "x.png"), ImageError, r"reads \.tif, \.tiff or \.zarr"),
        (lambda p, d: read_tiled(d / "none.tif"), ImageError, "no such file"),
        (lambda p, d: quantize_tiled(da.zeros((4, 4), dtype=np.uint8), 2), ValueError, r"\(H, W, 3\) uint8"),
        (lambda p, d: save_tiled(d / "o.png", p, da.zeros((4, 4), dtype=np.uint8)), ValueError, "writes .tif"),
        (lambda p, d: save_tiled(d / "o.tif", p, da.zeros((4, 4), dtype=np.uint8), tile=100), ValueError, "of 16"),
        (
            lambda p, d: save_tiled(d / "o.tif", np.zeros((300, 3), np.uint8), da.zeros((4, 4), dtype=np.uint8)),
            ValueError,
            "a palette TIFF holds at most 256",
        ),
    ],
)
def test_errors(tmp_path, call, error, message):
    with pytest.raises(error, match=message):
        call(np.zeros((2, 3), np.uint8), tmp_path)
    assert list(tmp_path.iterdir()) == []
