"""One palette for many images: a photo set, a tile set, the frames of an animation.

The k-means of every pixel of a collection is the weighted k-means of the sum of the images'
colour histograms (:class:`~kmeans_lab.histogram.ColorHistogram`, exact under ``+``). So
:func:`quantize_many` is a map-reduce:

1. map: the histogram of each image (read from its file where it is given as a path);
2. reduce: the histograms summed in a tree (fan-in ``fan_in``), so only the root travels;
3. :func:`~kmeans_lab.quantization.fit_palette` once, on the summed histogram;
4. map: each image through the palette's :class:`~kmeans_lab.quantization.ColorLookup`
   (one table gather per pixel), written to a file where a folder is given.

With a ``dask.distributed`` ``Client`` the two maps and the reduction run on its workers:
images given as paths are read by the workers (each file twice: once per map), arrays are
scattered to them once, and the lookup table (32 MiB) is scattered to every worker once.
Without a client the same task functions run one after the other in this process. The
palette is fitted in the calling process either way, from the same exact histogram, so the
same seed gives the same palette and the same labels on a cluster or not.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ._optional import require
from ._validation import check
from ._warnings import warn
from .histogram import ColorHistogram
from .image import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    check_output_path,
    check_quantized_output,
    read_image,
    save_quantized,
)
from .lookup import ColorLookup
from .metrics import palette_mse
from .options import KMeansOptions
from .palette import Palette, Quantized
from .quantization import apply_palette, fit_palette

__all__ = [
    "SavedImage",
    "quantize_many",
    "collection_histogram",
    "apply_palette_many",
    "output_paths",
    "local_cluster",
]

#: A progress callback: ``progress(stage, index, value)``, called in the calling process.
Progress = Callable[[str, int, Any], None]


@dataclass(frozen=True, eq=False)
class SavedImage:
    """One image of a collection as :func:`quantize_many` wrote it (``out_dir=``): no labels.

    Attributes
    ----------
    source : str
        The input file, or ``"image <i>"`` for an array.
    path : pathlib.Path
        The file written.
    width, height : int
    palette : ndarray of shape (K, 3), uint8
        The palette the image was mapped to (shared by the collection, or its own).
    n_distinct : int or None
        Distinct colours of the input image (None from :func:`apply_palette_many`).
    mse : float
        MSE of the file written against the input (:func:`kmeans_lab.metrics.palette_mse`).
    bytes : int
        Size of the file written.
    seconds : float
        Wall-clock time of mapping this image to the palette (reading and saving excluded).
    """

    source: str
    path: Path
    width: int
    height: int
    palette: np.ndarray = field(repr=False)
    n_distinct: int | None
    mse: float
    bytes: int
    seconds: float


# --- the tasks: plain functions of picklable arguments, run on a worker or in this process ------------------


def _load(source: np.ndarray | str, max_pixels: int | None) -> np.ndarray:
    if isinstance(source, np.ndarray):
        return source
    try:
        return read_image(source, max_pixels=max_pixels)
    except ImageError as exc:  # subclasses take other arguments; send a plain ImageError back
        raise ImageError(str(exc)) from None


def _recording(function: Callable, *args, **kwargs) -> tuple[Any, tuple[str, ...]]:
    """``function(*args, **kwargs)`` and the messages of the warnings it raised (re-issued by the caller)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, tuple(str(w.message) for w in caught)


#: What a histogram task returns: the histogram, the warnings raised, the distinct colours of each image in it.
Part = tuple[ColorHistogram, tuple[str, ...], tuple[int, ...]]


def _histogram_task(source: np.ndarray | str, max_pixels: int | None) -> Part:
    """The histogram of one image (read here when given as a path), the warnings reading raised, its size."""
    histogram, messages = _recording(lambda: ColorHistogram.from_image(_load(source, max_pixels)))
    return histogram, messages, (len(histogram),)


def _merge_task(*parts: Part) -> Part:
    """The sum of some histograms; their warnings and sizes in order."""
    return (
        sum(part[0] for part in parts),
        tuple(message for part in parts for message in part[1]),
        tuple(size for part in parts for size in part[2]),
    )


def _size_task(part: Part) -> int:
    return part[2][0]


def _fit_task(part: Part, k: int, options: KMeansOptions) -> tuple[Palette, tuple[str, ...]]:
    return _recording(fit_palette, part[0], k, options)


def _map_task(
    source: np.ndarray | str,
    palette: ColorLookup | tuple[Palette, tuple[str, ...]],
    out_path: Path | None,
    dither: bool,
    max_pixels: int | None,
    name: str,
    n_distinct: int | None,
    k: int | None = None,
) -> Quantized | SavedImage:
    """Map one image to a palette (a shared lookup table, or the image's own fitted palette); save it if asked.

    As in :func:`kmeans_lab.quantize`, a palette of fewer than the ``k`` colours asked for
    (the input's own colours, lossless) is not dithered.
    """
    image = _load(source, max_pixels)
    start = time.perf_counter()
    if isinstance(palette, ColorLookup) and not dither:
        # The shared table: colours of the collection's histogram take their k-means cluster.
        labels = palette(image)
        quantized = Quantized(palette.palette, labels, False, time.perf_counter() - start, n_distinct)
    else:
        p = palette.palette if isinstance(palette, ColorLookup) else palette[0]
        lossless = k is not None and len(p) < k
        quantized = replace(apply_palette(image, p, dither=dither and not lossless), n_distinct=n_distinct)
    if out_path is None:
        return quantized
    n_bytes = save_quantized(out_path, quantized.palette.colors, quantized.labels)
    return SavedImage(
        source=name,
        path=Path(out_path),
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        palette=quantized.palette.colors,
        n_distinct=n_distinct,
        mse=palette_mse(image, quantized.palette.colors, quantized.labels),
        bytes=n_bytes,
        seconds=quantized.seconds,
    )


# --- running the tasks: here, or on a Dask cluster ---------------------------------------------------------------


def _sources(images: Sequence[np.ndarray | str | os.PathLike]) -> list[np.ndarray | str]:
    sources: list[np.ndarray | str] = []
    for index, image in enumerate(images):
        if isinstance(image, str | os.PathLike):
            sources.append(os.fspath(image))
        else:
            sources.append(check("image", image, label=f"images[{index}]"))
    if not sources:
        raise ValueError("images is empty: give at least one image (an array or a path)")
    return sources


def _name(source: np.ndarray | str | os.PathLike, index: int) -> str:
    return os.fspath(source) if isinstance(source, str | os.PathLike) else f"image {index}"


def output_paths(
    images: Sequence[np.ndarray | str | os.PathLike], out_dir: str | os.PathLike, *, suffix: str = ".png"
) -> list[Path]:
    """The files :func:`quantize_many` writes for ``images`` in ``out_dir``, checked before any work.

    A path ``a/photo.jpg`` gives ``out_dir/photo<suffix>``; the i-th array gives
    ``out_dir/image-<i><suffix>`` (i zero-padded).

    Raises
    ------
    ImageError
        The suffix names no supported format; ``out_dir`` is not a folder or cannot be
        created or written in; an output would overwrite an input or is not writable.
    ValueError
        Two inputs would give the same output file.
    """
    out_dir = Path(out_dir)
    width = len(str(max(len(images) - 1, 0)))
    names = [
        Path(os.fspath(image)).stem if isinstance(image, str | os.PathLike) else f"image-{i:0{width}d}"
        for i, image in enumerate(images)
    ]
    paths = [out_dir / f"{name}{suffix}" for name in names]
    seen: dict[Path, int] = {}
    for i, path in enumerate(paths):
        if path in seen:
            raise ValueError(
                f"{_name(images[seen[path]], seen[path])} and {_name(images[i], i)} would both be written to {path}"
            )
        seen[path] = i
    inputs = tuple(os.fspath(image) for image in images if isinstance(image, str | os.PathLike))
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ImageError(f"{out_dir}: not a folder ({existing} is a file)")
    if existing != out_dir:
        # The folder will be created: its nearest existing ancestor must take it.
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ImageError(f"{out_dir}: cannot create the output folder in {existing}: permission denied")
        check_output_path(existing / f"probe{suffix}")  # the suffix, and the folder as a place to write
        return paths
    for path in paths:
        check_output_path(path, inputs=inputs)
    return paths


def _reissue(messages: Sequence[str]) -> None:
    for message in dict.fromkeys(messages):  # once each, in order
        warn(message)


def _tree(client, futures: list, fan_in: int) -> Any:
    """Sum futures of histograms in a tree of ``fan_in``-way merges on the workers; the root future."""
    while len(futures) > 1:
        futures = [
            client.submit(_merge_task, *futures[i : i + fan_in], pure=False)
            if len(futures[i : i + fan_in]) > 1
            # A lone last future goes up a level as it is.
            else futures[i]
            for i in range(0, len(futures), fan_in)
        ]
    return futures[0]


def _on_workers(client, sources: list[np.ndarray | str]) -> list:
    """Arrays scattered to the workers once (never embedded in a task graph); paths as they are.

    Without a client, the sources themselves.
    """
    if client is None:
        return sources
    arrays = [i for i, s in enumerate(sources) if isinstance(s, np.ndarray)]
    data: list = list(sources)
    if arrays:
        for i, future in zip(arrays, client.scatter([sources[i] for i in arrays])):
            data[i] = future
    return data


def _completed(client, futures: list, progress: Progress | None, stage: str) -> list:
    """The results of ``futures`` in their order, calling ``progress(stage, i, result)`` as each finishes."""
    if progress is None:
        return client.gather(futures)
    distributed = require("distributed", "quantize_many(client=...)", extra="distributed")
    index = {future.key: i for i, future in enumerate(futures)}
    results: list = [None] * len(futures)
    for future in distributed.as_completed(futures):
        i = index[future.key]
        results[i] = future.result()
        progress(stage, i, results[i])
    return results


def _histograms(client, data: list, max_pixels: int | None, progress: Progress | None) -> list:
    """Per-image histogram parts: values here, futures on a cluster (``data`` already on the workers).

    ``progress("histogram", i, n_distinct)`` as each image is counted: here at once; on a
    cluster by :func:`_sizes`, after the caller has submitted what depends on the parts.
    """
    if client is not None:
        return client.map(_histogram_task, data, max_pixels=max_pixels, pure=False)
    parts = []
    for i, source in enumerate(data):
        parts.append(_histogram_task(source, max_pixels))
        if progress is not None:
            progress("histogram", i, len(parts[-1][0]))
    return parts


def _sizes(client, parts: list, progress: Progress | None) -> list[int]:
    """Distinct colours of each image of ``parts`` (futures), reported to ``progress`` as each is known."""
    return _completed(client, client.map(_size_task, parts, pure=False), progress, "histogram")


def collection_histogram(
    images: Sequence[np.ndarray | str | os.PathLike],
    *,
    client=None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    fan_in: int = 8,
) -> ColorHistogram:
    """The colour histogram of every pixel of a collection: the exact sum of the images' histograms.

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3), uint8, or of path-like
        Sizes may differ. Paths are read with :func:`kmeans_lab.read_image` (on the workers).
    client : dask.distributed.Client, optional
        Count and merge on its workers (a tree of ``fan_in``-way merges); only the total
        comes back. Default: in this process.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        For images read from files, as in :func:`kmeans_lab.read_image`.
    fan_in : int, default 8
        Histograms merged per task of the tree.

    Returns
    -------
    ColorHistogram

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((1, 2, 3), np.uint8); b = np.full((1, 1, 3), 9, np.uint8)
    >>> h = collection_histogram([a, b])
    >>> h.colors.tolist(), h.counts.tolist()
    ([[0, 0, 0], [9, 9, 9]], [2, 1])
    """
    sources = _sources(images)
    max_pixels, fan_in = check("max_pixels", max_pixels), check("fan_in", fan_in)
    return _collection_histogram(client, _on_workers(client, sources), max_pixels, fan_in, None)[0]


def _collection_histogram(client, data, max_pixels, fan_in, progress) -> tuple[ColorHistogram, list[int]]:
    """The summed histogram and each image's distinct colours (carried up the merge tree)."""
    parts = _histograms(client, data, max_pixels, progress)
    if client is None:
        total, messages, sizes = _merge_task(*parts)
    else:
        root = _tree(client, parts, fan_in)  # submitted first: the merges run while progress is reported
        if progress is not None:
            _sizes(client, parts, progress)
        total, messages, sizes = root.result()
    _reissue(messages)
    return total, list(sizes)


def apply_palette_many(
    images: Sequence[np.ndarray | str | os.PathLike],
    palette: Palette | np.ndarray,
    *,
    client=None,
    out_dir: str | os.PathLike | None = None,
    suffix: str = ".png",
    dither: bool = False,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    progress: Progress | None = None,
) -> list[Quantized] | list[SavedImage]:
    """Map every image of a collection to one palette (pngquant's remap, for many images).

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3), uint8, or of path-like
    palette : Palette or ndarray of shape (K, 3), uint8
        A fitted palette (colours of its histogram take their k-means cluster, others the
        nearest centre) or given colours (every pixel takes the nearest).
    client, out_dir, suffix, dither, max_pixels, progress
        As in :func:`quantize_many`.

    Returns
    -------
    list of Quantized, or of SavedImage when ``out_dir`` is given
        ``n_distinct`` is None (the images' colours are not counted).
    """
    sources = _sources(images)
    if not isinstance(palette, Palette):
        palette = Palette.from_colors(palette)
    dither, max_pixels = check("dither", dither), check("max_pixels", max_pixels)
    paths = None
    if out_dir is not None:
        paths = output_paths(images, out_dir, suffix=suffix)
        check_quantized_output(paths[0], len(palette))
    sizes = [None] * len(sources)  # not counted: only the map-back runs
    data = _on_workers(client, sources)
    return _map(client, sources, data, ColorLookup(palette), paths, dither, max_pixels, sizes, progress)


def _map(client, sources, data, palettes, paths, dither, max_pixels, sizes, progress, k=None) -> list:
    """Phase 3: every image through its palette (one shared ColorLookup, or a list of fitted parts).

    ``data``: the sources, with arrays already scattered to the workers on a cluster.
    """
    if paths is not None:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
    shared = isinstance(palettes, ColorLookup)
    names = [_name(s, i) for i, s in enumerate(sources)]
    outs = paths or [None] * len(sources)
    if client is None:
        results = []
        for i, source in enumerate(sources):
            palette = palettes if shared else palettes[i]
            results.append(_map_task(source, palette, outs[i], dither, max_pixels, names[i], sizes[i], k))
            if progress is not None:
                progress("image", i, results[-1])
        return results
    if shared:
        # The 32 MiB table goes to every worker once; tasks refer to it by its future.
        lookup = client.scatter(palettes, broadcast=True)
        palettes = [lookup] * len(sources)
    futures = [
        client.submit(_map_task, d, p, o, dither, max_pixels, n, s, k, pure=False)
        for d, p, o, n, s in zip(data, palettes, outs, names, sizes)
    ]
    return _completed(client, futures, progress, "image")


def quantize_many(
    images: Sequence[np.ndarray | str | os.PathLike],
    k: int,
    *,
    client=None,
    out_dir: str | os.PathLike | None = None,
    suffix: str = ".png",
    shared_palette: bool = True,
    dither: bool | str = False,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    fan_in: int = 8,
    progress: Progress | None = None,
    options: KMeansOptions | None = None,
    **changes: object,
) -> list[Quantized] | list[SavedImage]:
    """Quantize a collection of images to one shared k-means palette (or one palette each).

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3), uint8, or of path-like
        Arrays and files (read with :func:`kmeans_lab.read_image`), in any mix; sizes may differ.
    k : int
        Colours of the palette, ≥ 1 (≤ 256 for ``.png`` / ``.gif`` outputs).
    client : dask.distributed.Client, optional
        Run the histograms, their merge and the map-back on this cluster's workers (they
        need kmeans_lab installed and, for paths, the files at the same paths). Default:
        everything in this process.
    out_dir : path-like, optional
        Write each quantized image there (by the workers, on a cluster): a path's stem +
        ``suffix``, ``image-<i>`` + ``suffix`` for an array (:func:`output_paths`, checked
        before any work; the folder is created if missing). The results are then
        :class:`SavedImage` (file, MSE, bytes) instead of :class:`Quantized`, so label
        arrays never travel back.
    suffix : str, default ".png"
        Output format (palette PNG; see :func:`kmeans_lab.image.save_quantized`).
    shared_palette : bool, default True
        One palette fitted to every pixel of the collection; ``False``: each image its own
        palette, exactly ``quantize(image, k, ...)`` (same seed for each).
    options, **changes
        The k-means options, as in :func:`kmeans_lab.fit_palette`; the same seed gives
        the same palette with or without a client.
    dither : bool, default False
        As in :func:`kmeans_lab.apply_palette`.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        For images read from files, as in :func:`kmeans_lab.read_image`.
    fan_in : int, default 8
        Histograms merged per task of the reduction tree on a cluster.
    progress : callable, optional
        ``progress(stage, index, value)``, called in this process: ``("histogram", i,
        n_distinct)`` when image i has been counted, then ``("image", i, result)`` when it
        has been mapped (and written). On a cluster, in the order the workers finish.

    Returns
    -------
    list of Quantized (or of SavedImage with ``out_dir``), in the order of ``images``
        With ``shared_palette``, every ``palette`` is the same array.

    Notes
    -----
    Exact: the shared palette is ``fit_palette(sum of the histograms, k)``, the k-means of
    the histogram of all the images' pixels together; the labels are each colour's cluster,
    as :func:`kmeans_lab.quantize` gives for one image. Every input is read (its histogram
    counted) before any output is written, so an unreadable or corrupt file stops the run
    with nothing written. Memory in this process: the summed histogram (11 bytes per
    distinct colour) and one lookup table (32 MiB); each worker holds one image, its
    labels and the table at a time.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import quantize_many
    >>> a = np.zeros((2, 2, 3), np.uint8); b = np.full((2, 2, 3), 200, np.uint8)
    >>> qa, qb = quantize_many([a, b], 2)
    >>> qa.palette is qb.palette, qa.labels.tolist(), qb.labels.tolist()
    (True, [[1, 1], [1, 1]], [[0, 0], [0, 0]])
    """
    sources = _sources(images)
    k = check("k", k)
    shared_palette = check("shared_palette", shared_palette)
    dither, max_pixels, fan_in = check("dither", dither), check("max_pixels", max_pixels), check("fan_in", fan_in)
    options = KMeansOptions.of(options, **changes)
    paths = None
    if out_dir is not None:
        paths = output_paths(images, out_dir, suffix=suffix)
        check_quantized_output(paths[0], k)
    data = _on_workers(client, sources)  # arrays go to the workers once, for both maps
    if shared_palette:
        histogram, sizes = _collection_histogram(client, data, max_pixels, fan_in, progress)
        palette = fit_palette(histogram, k, options)
        return _map(client, sources, data, ColorLookup(palette), paths, dither, max_pixels, sizes, progress, k)
    # One palette each: the histograms stay apart and each is fitted where it lies.
    parts = _histograms(client, data, max_pixels, progress)
    if client is None:
        sizes = [len(part[0]) for part in parts]
        fitted = [_fit_task(part, k, options) for part in parts]
        _reissue([m for part in parts for m in part[1]] + [m for fit in fitted for m in fit[1]])
    else:
        fitted = client.map(_fit_task, parts, k=k, options=options, pure=False)
        sizes = _sizes(client, parts, progress)
        messages = client.gather(client.map(_messages_task, parts, fitted, pure=False))
        _reissue([m for pair in messages for m in pair])
    return _map(client, sources, data, fitted, paths, dither, max_pixels, sizes, progress, k)


def _messages_task(part: tuple, fitted: tuple) -> tuple[str, ...]:
    return part[1] + fitted[1]


def local_cluster(workers: int = 2):
    """A ``dask.distributed`` ``LocalCluster`` of worker processes on 127.0.0.1 that is quiet offline.

    One thread per worker process; no dashboard, and the scheduler's HTTP server on a free
    port (by default it takes port 8787, and a second cluster alive at once warns that the
    port is in use). Use as a context manager, with a ``Client``::

        with local_cluster(2) as cluster, Client(cluster) as client:
            quantize_many(paths, 16, client=client)

    Parameters
    ----------
    workers : int, default 2

    Returns
    -------
    distributed.LocalCluster
    """
    workers = check("workers", workers)
    distributed = require("distributed", "a local Dask cluster", extra="distributed")
    return distributed.LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
