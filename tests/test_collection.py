"""quantize_many: one palette for many images, exact, the same in this process and on a Dask cluster."""

from __future__ import annotations

import pickle

import dask
import numpy as np
import pytest

from kmeans_lab import (
    ColorHistogram,
    ImageError,
    Palette,
    apply_palette,
    fit_palette,
    quantize,
    quantize_many,
    read_image,
)
from kmeans_lab.collection import SavedImage, apply_palette_many, collection_histogram, output_paths
from kmeans_lab.image import save_rgb
from kmeans_lab.lookup import ColorLookup
from kmeans_lab.metrics import palette_mse

from .bad_files import make_input


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """Five crops of a photograph that overlap (shared colours), of two sizes."""
    from kmeans_lab.lab.paths import data_path

    photo = read_image(data_path("chelsea.png"))
    crops = [photo[10 * i : 10 * i + 120, 15 * i : 15 * i + 160] for i in range(4)]
    return [np.ascontiguousarray(c) for c in crops] + [np.ascontiguousarray(photo[:90, :200])]


@pytest.fixture(scope="module")
def frame_files(frames, tmp_path_factory) -> list:
    folder = tmp_path_factory.mktemp("frames")
    paths = []
    for i, frame in enumerate(frames):
        save_rgb(folder / f"frame{i}.png", frame)
        paths.append(folder / f"frame{i}.png")
    return paths


def _same(a, b) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.palette, y.palette)
        np.testing.assert_array_equal(x.labels, y.labels)


def test_shared_palette_is_the_kmeans_of_all_pixels(frames):
    """The summed histogram is the histogram of the concatenated pixels, so the palettes are equal."""
    summed = sum(ColorHistogram.from_image(f) for f in frames)
    together = ColorHistogram.from_image(np.concatenate([f.reshape(-1, 1, 3) for f in frames]))
    np.testing.assert_array_equal(summed.colors, together.colors)
    np.testing.assert_array_equal(summed.counts, together.counts)
    result = quantize_many(frames, 8, seed=3)
    reference = fit_palette(together, 8, seed=3)
    for frame, q in zip(frames, result):
        assert q.palette is result[0].palette
        np.testing.assert_array_equal(q.palette, reference.colors)
        np.testing.assert_array_equal(q.labels, apply_palette(frame, reference).labels)
        assert q.n_distinct == len(ColorHistogram.from_image(frame))
    # ... and the labels are each colour's k-means cluster: quantize of the concatenation.
    whole = quantize(np.concatenate([f.reshape(-1, 1, 3) for f in frames]), 8, seed=3)
    np.testing.assert_array_equal(whole.palette, result[0].palette)
    np.testing.assert_array_equal(whole.labels.reshape(-1), np.concatenate([q.labels.reshape(-1) for q in result]))


def test_one_image_is_quantize(frames):
    _same(quantize_many(frames[:1], 6, seed=1), [quantize(frames[0], 6, seed=1)])


def test_one_palette_each_is_quantize_of_each(frames):
    _same(quantize_many(frames, 5, seed=2, shared_palette=False), [quantize(f, 5, seed=2) for f in frames])


def test_paths_and_arrays_give_the_same(frames, frame_files):
    _same(quantize_many(frame_files, 8), quantize_many(frames, 8))


def test_collection_histogram(frames, frame_files):
    h = collection_histogram(frame_files)
    assert h.n_pixels == sum(f.shape[0] * f.shape[1] for f in frames)
    np.testing.assert_array_equal(h.counts, sum(ColorHistogram.from_image(f) for f in frames).counts)


def test_apply_palette_many_is_apply_palette(frames):
    palette = Palette.from_colors(np.array([[0, 0, 0], [255, 255, 255], [200, 120, 40]], np.uint8))
    _same(apply_palette_many(frames, palette), [apply_palette(f, palette) for f in frames])


def test_out_dir_writes_files_and_returns_no_labels(frames, frame_files, tmp_path):
    saved = quantize_many(frame_files, 8, out_dir=tmp_path / "new")
    reference = quantize_many(frames, 8)
    assert [type(s) for s in saved] == [SavedImage] * len(frames)
    for s, q, f, path in zip(saved, reference, frames, frame_files):
        assert s.path == tmp_path / "new" / path.name and s.source == str(path)
        np.testing.assert_array_equal(read_image(s.path), q.image)
        assert s.bytes == s.path.stat().st_size
        assert s.mse == palette_mse(f, q.palette.colors, q.labels)
        assert (s.width, s.height, s.n_distinct) == (f.shape[1], f.shape[0], q.n_distinct)
    assert not list((tmp_path / "new").glob(".*"))  # no temporary file left


def test_k_above_the_collection_colours_warns_once_and_is_lossless():
    a, b = np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 7, np.uint8)
    with pytest.warns(UserWarning, match="more than the image's 2 distinct colours") as caught:
        result = quantize_many([a, b], 5, dither=True)
    assert len(caught) == 1
    np.testing.assert_array_equal(result[0].image, a)
    np.testing.assert_array_equal(result[1].image, b)


def test_reading_warnings_reach_the_caller(tmp_path):
    from .bad_files import multi_frame_file

    path = multi_frame_file(tmp_path / "anim.gif", duration=100, loop=0)
    with pytest.warns(UserWarning, match="only the first frame is used"):
        quantize_many([path], 1)


def test_color_lookup_pickles(frames):
    lookup = ColorLookup(fit_palette(ColorHistogram.from_image(frames[0]), 4))
    again = pickle.loads(pickle.dumps(lookup))
    np.testing.assert_array_equal(again(frames[1]), lookup(frames[1]))


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "message"),
    [
        ([], {}, ValueError, "images is empty"),
        ([np.zeros((2, 2), np.uint8)], {}, ValueError, r"images\[0\] must have shape \(H, W, 3\)"),
        ([np.zeros((2, 2, 3), np.uint8)], {"k": 0}, ValueError, "k must be an integer >= 1"),
        ([np.zeros((2, 2, 3), np.uint8)], {"init": "magic"}, ValueError, "unknown init 'magic'"),
        ([np.zeros((2, 2, 3), np.uint8)], {"shared_palette": "yes"}, ValueError, "shared_palette must be True"),
        (["MISSING"], {}, ImageError, r"nope\.png: no such file"),
    ],
)
def test_bad_arguments(tmp_path, images, kwargs, error, message):
    images = [make_input("missing", tmp_path) if i is not None and isinstance(i, str) else i for i in images]
    with pytest.raises(error, match=message):
        quantize_many(images, **{"k": 2, **kwargs})


def test_output_paths_refuse_clashes_and_inputs(tmp_path):
    a, b = tmp_path / "a" / "x.png", tmp_path / "b" / "x.jpg"
    with pytest.raises(ValueError, match=r"x\.png and .*x\.jpg would both be written to .*x\.png"):
        output_paths([a, b], tmp_path / "out")
    a.parent.mkdir()
    with pytest.raises(ImageError, match="output is the input file"):
        output_paths([a], a.parent)
    with pytest.raises(ImageError, match="unsupported output format"):
        output_paths([a], tmp_path / "out", suffix=".xyz")
    (tmp_path / "file").write_text("")
    with pytest.raises(ImageError, match="not a folder"):
        output_paths([a], tmp_path / "file" / "out")
    arrays = [np.zeros((1, 1, 3), np.uint8)] * 11
    assert [p.name for p in output_paths(arrays, tmp_path)][::10] == ["image-00.png", "image-10.png"]


# --- on a Dask cluster (2 worker processes on 127.0.0.1, one for the session) --------------------------------------


def _in_this_process(*args, **kwargs):
    with dask.config.set(scheduler="sync"):
        return quantize_many(*args, **kwargs)


def test_cluster_gives_the_same_palette_and_labels(on_cluster, frames, frame_files):
    from distributed import get_task_stream

    local = _in_this_process(frames, 8, seed=5)
    with get_task_stream(on_cluster) as stream:
        _same(quantize_many(frames, 8, seed=5), local)
        _same(quantize_many(frame_files, 8, seed=5), local)
    assert len({task["worker"] for task in stream.data}) == 2  # the tasks ran on both workers


def test_cluster_one_palette_each(on_cluster, frames):
    _same(quantize_many(frames, 5, shared_palette=False), [quantize(f, 5) for f in frames])


def test_cluster_writes_files(on_cluster, frames, frame_files, tmp_path):
    saved = quantize_many(frame_files, 8, out_dir=tmp_path)
    local = _in_this_process(frames, 8)
    for s, q in zip(saved, local):
        np.testing.assert_array_equal(read_image(s.path), q.image)
    assert collection_histogram(frame_files).n_pixels == sum(f.size // 3 for f in frames)


def test_cluster_errors_and_warnings_reach_the_caller(on_cluster, tmp_path):
    from .bad_files import multi_frame_file

    with pytest.raises(ImageError, match=r"input\.png: truncated or corrupt image file"):
        quantize_many([make_input("truncated_png", tmp_path)], 2)
    path = multi_frame_file(tmp_path / "anim.gif", duration=100, loop=0)
    with pytest.warns(UserWarning, match="only the first frame is used"):
        quantize_many([path], 1)
