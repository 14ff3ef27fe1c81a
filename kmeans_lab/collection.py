"""One palette for many images — a photo set, a tile set, the frames of an animation — with Dask.

The k-means of every pixel of a collection is the weighted k-means of the sum of the images'
colour histograms (:class:`~kmeans_lab.histogram.ColorHistogram`, exact under ``+``). So
:func:`quantize_many` is a map-reduce over a ``dask.bag`` of the images, one per partition:

1. map: the histogram of each image (read from its file where it is given as a path);
2. reduce: ``Bag.reduction`` sums them in a tree (``split_every=8``), so only the root travels;
3. :func:`~kmeans_lab.fit_palette` once, in this process;
4. map: each image through the palette (a :class:`~kmeans_lab.lookup.ColorLookup` built in the
   task), written to a file where a folder is given.

It runs on the current Dask scheduler: on a cluster when a ``distributed.Client`` is current (a
client makes itself current when made), else on threads in this process. The palette is fitted
from the same exact histogram either way, so the same seed gives the same palette and labels.
Needs the ``distributed`` extra (Dask).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._optional import dask_compute, require
from ._validation import check
from ._warnings import warn
from .histogram import ColorHistogram
from .image import DEFAULT_MAX_PIXELS, ImageError, check_output_path, check_quantized_output, read_image, save_quantized
from .lookup import ColorLookup
from .metrics import palette_mse
from .options import KMeansOptions
from .palette import Palette, Quantized
from .quantization import apply_palette, fit_palette, quantize

__all__ = ["SavedImage", "quantize_many", "collection_histogram", "apply_palette_many", "output_paths"]
__all__ += ["local_cluster"]

_PURPOSE = "many images at once (kmeans_lab.collection)"
#: Histograms summed per task of the reduction tree.
SPLIT_EVERY = 8


@dataclass(frozen=True, eq=False)
class SavedImage:
    """One image of a collection as written by :func:`quantize_many` (``out_dir=``): no labels.

    Attributes
    ----------
    source : str
        The input file, or ``"image <i>"`` for an array.
    path : pathlib.Path
        The file written.
    width, height : int
    palette : Palette
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
    palette: Palette = field(repr=False)
    n_distinct: int | None
    mse: float
    bytes: int
    seconds: float


# --- the tasks: plain functions of picklable arguments, run wherever the scheduler puts them ----------------------


def _recording(function: Callable, *args, **kwargs) -> tuple[Any, tuple[str, ...]]:
    """``function(*args, **kwargs)`` and the messages of the warnings it raised, for the caller to re-issue."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, tuple(str(w.message) for w in caught)


def _load(source: np.ndarray | str, max_pixels: int | None) -> np.ndarray:
    if isinstance(source, np.ndarray):
        return source
    try:
        return read_image(source, max_pixels=max_pixels)
    except ImageError as exc:  # subclasses take other arguments: send a plain ImageError back
        raise ImageError(str(exc)) from None


#: A histogram part: the histogram, the warnings raised, the distinct colours of each image summed in it.
Part = tuple[ColorHistogram, tuple[str, ...], tuple[int, ...]]


def _histogram_part(source: np.ndarray | str, max_pixels: int | None) -> Part:
    histogram, messages = _recording(lambda: ColorHistogram.from_image(_load(source, max_pixels)))
    return histogram, messages, (len(histogram),)


def _merge_parts(parts: Iterable[Part]) -> Part:
    """The sum of some histogram parts; their warnings and sizes in order (the reduction's step)."""
    parts = list(parts)
    return (
        sum(part[0] for part in parts),
        tuple(message for part in parts for message in part[1]),
        tuple(size for part in parts for size in part[2]),
    )


@dataclass(frozen=True)
class _Job:
    """What every image's task needs besides the image: how to map it and where to write it."""

    dither: bool | str
    max_pixels: int | None
    optimize: bool = False
    k: int | None = None  # k asked for (None: a given palette): fewer colours means lossless, not dithered
    options: KMeansOptions | None = None  # fit the image's own palette with these (shared_palette=False)


def _map_one(source, palette: Palette | None, job: _Job, out_path: Path | None, name: str, n_distinct: int | None):
    """One image through ``palette`` (or its own palette), saved if asked; the result and the warnings."""

    def work():
        image = _load(source, job.max_pixels)
        if palette is None:
            quantized = quantize(image, job.k, dither=job.dither, options=job.options)
        else:
            lossless = job.k is not None and len(palette) < job.k
            start = time.perf_counter()
            dither = job.dither and not lossless
            labels = apply_palette(image, palette, dither=dither).labels if dither else ColorLookup(palette)(image)
            quantized = Quantized(palette, labels, dither, time.perf_counter() - start, n_distinct)
        if out_path is None:
            return quantized
        n_bytes = save_quantized(out_path, quantized.palette.colors, quantized.labels, optimize=job.optimize)
        error = palette_mse(image, quantized.palette.colors, quantized.labels)
        height, width = image.shape[:2]
        return SavedImage(
            name, out_path, width, height, quantized.palette, n_distinct, error, n_bytes, quantized.seconds
        )

    return _recording(work)


# --- the collection as a Dask bag ---------------------------------------------------------------------------------


def _sources(images: Sequence[np.ndarray | str | os.PathLike]) -> list[np.ndarray | str]:
    sources = [
        os.fspath(image) if isinstance(image, str | os.PathLike) else check("image", image, label=f"images[{index}]")
        for index, image in enumerate(images)
    ]
    if not sources:
        raise ValueError("images is empty: give at least one image (an array or a path)")
    return sources


def _name(source: np.ndarray | str | os.PathLike, index: int) -> str:
    return os.fspath(source) if isinstance(source, str | os.PathLike) else f"image {index}"


def _bag(sources: list):
    return require("dask.bag", _PURPOSE, extra="distributed").from_sequence(sources, npartitions=len(sources))


def _histogram(sources: list, max_pixels: int | None) -> Part:
    """The summed histogram of the images, every image's size, the warnings re-issued here."""
    parts = _bag(sources).map(_histogram_part, max_pixels)
    (total,) = dask_compute(parts.reduction(_merge_parts, _merge_parts, split_every=SPLIT_EVERY), purpose=_PURPOSE)
    for message in dict.fromkeys(total[1]):  # once each, in order
        warn(message)
    return total


def _map(sources: list, palette, job: _Job, paths: list[Path] | None, sizes: Sequence[int | None]) -> list:
    """Every image through ``palette`` (a Palette shared by all, or None: each its own), computed at once."""
    if paths is not None:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
    dask = require("dask", _PURPOSE, extra="distributed")
    shared = dask.delayed(palette)  # in the graph once, not once per image
    extras = _bag([(paths[i] if paths else None, _name(s, i), sizes[i]) for i, s in enumerate(sources)])
    results = _bag(sources).map(lambda source, extra, p: _map_one(source, p, job, *extra), extras, shared)
    (done,) = dask_compute(results, purpose=_PURPOSE)
    for message in dict.fromkeys(m for _, messages in done for m in messages):
        warn(message)
    return [result for result, _ in done]


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


def collection_histogram(
    images: Sequence[np.ndarray | str | os.PathLike], *, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> ColorHistogram:
    """The colour histogram of every pixel of a collection: the exact sum of the images' histograms.

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3) or (H, W, 4), uint8, or of path-like
        Sizes may differ. Paths are read with :func:`kmeans_lab.read_image` where the tasks run.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        For images read from files, as in :func:`kmeans_lab.read_image`.

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
    return _histogram(_sources(images), check("max_pixels", max_pixels))[0]


def _paths(images, out_dir, suffix: str, k: int) -> list[Path] | None:
    if out_dir is None:
        return None
    paths = output_paths(images, out_dir, suffix=suffix)
    check_quantized_output(paths[0], k)
    return paths


def apply_palette_many(
    images: Sequence[np.ndarray | str | os.PathLike],
    palette: Palette,
    *,
    dither: bool | str = False,
    out_dir: str | os.PathLike | None = None,
    suffix: str = ".png",
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> list[Quantized] | list[SavedImage]:
    """Map every image of a collection to one palette (pngquant's remap, for many images).

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3) or (H, W, 4), uint8, or of path-like
    palette : Palette
        A fitted palette (colours of its histogram take their k-means cluster, others the
        nearest centre) or given colours, ``Palette.from_colors`` (every pixel takes the nearest).
    dither, out_dir, suffix, max_pixels
        As in :func:`quantize_many`.

    Returns
    -------
    list of Quantized, or of SavedImage when ``out_dir`` is given
        ``n_distinct`` is None (the images' colours are not counted).
    """
    sources = _sources(images)
    if not isinstance(palette, Palette):
        raise ValueError(f"palette must be a Palette, got {type(palette).__name__}")
    job = _Job(check("dither", dither), check("max_pixels", max_pixels))
    paths = _paths(images, out_dir, suffix, len(palette))
    return _map(sources, palette, job, paths, [None] * len(sources))


def quantize_many(
    images: Sequence[np.ndarray | str | os.PathLike],
    k: int,
    *,
    shared_palette: bool = True,
    dither: bool | str = False,
    out_dir: str | os.PathLike | None = None,
    suffix: str = ".png",
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    optimize: bool = False,
    options: KMeansOptions | None = None,
    **changes: object,
) -> list[Quantized] | list[SavedImage]:
    """Quantize a collection of images to one shared k-means palette (or one palette each).

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 3) or (H, W, 4), uint8, or of path-like
        Arrays and files (read with :func:`kmeans_lab.read_image`), in any mix; sizes may differ.
    k : int
        Colours of the palette, ≥ 1 (≤ 256 for ``.png`` / ``.gif`` outputs).
    shared_palette : bool, default True
        One palette fitted to every pixel of the collection; ``False``: each image its own
        palette, exactly ``quantize(image, k, ...)``.
    dither : bool or str, default False
        As in :func:`kmeans_lab.apply_palette`.
    out_dir : path-like, optional
        Write each quantized image there (where the tasks run): a path's stem + ``suffix``,
        ``image-<i>`` + ``suffix`` for an array (:func:`output_paths`, checked before any
        work; the folder is created if missing). The results are then :class:`SavedImage`
        (file, MSE, bytes) instead of :class:`Quantized`, so label arrays never travel back.
    suffix : str, default ".png"
        Output format (see :meth:`kmeans_lab.Quantized.save`).
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        For images read from files, as in :func:`kmeans_lab.read_image`.
    optimize : bool, default False
        With ``out_dir``: recompress the PNGs losslessly (:meth:`kmeans_lab.Quantized.save`).
    options : KMeansOptions, optional
    **changes
        Fields of :class:`~kmeans_lab.KMeansOptions` to change, e.g. ``seed=3``.

    Returns
    -------
    list of Quantized (or of SavedImage with ``out_dir``), in the order of ``images``
        With ``shared_palette``, every ``palette`` is the same.

    Notes
    -----
    Exact: the shared palette is ``fit_palette(sum of the histograms, k)``, the k-means of the
    histogram of all the images' pixels together; the labels are each colour's cluster, as
    :func:`kmeans_lab.quantize` gives for one image. Every input is read (its histogram
    counted) before any output is written, so an unreadable file stops the run with nothing
    written. Each image is read twice (once per map), so only histograms, the palette and
    the small results travel. Runs on the current Dask scheduler (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import quantize_many
    >>> a = np.zeros((2, 2, 3), np.uint8); b = np.full((2, 2, 3), 200, np.uint8)
    >>> qa, qb = quantize_many([a, b], 2)
    >>> qa.palette.colors.tolist(), qa.labels.tolist(), qb.labels.tolist()
    ([[200, 200, 200], [0, 0, 0]], [[1, 1], [1, 1]], [[0, 0], [0, 0]])
    """
    sources = _sources(images)
    k, shared_palette = check("k", k), check("shared_palette", shared_palette)
    options = KMeansOptions.of(options, **changes)
    own = None if shared_palette else options
    job = _Job(check("dither", dither), check("max_pixels", max_pixels), check("optimize", optimize), k, own)
    paths = _paths(images, out_dir, suffix, k)
    total, _, sizes = _histogram(sources, job.max_pixels)
    palette = fit_palette(total, k, options) if shared_palette else None
    return _map(sources, palette, job, paths, sizes)


def local_cluster(workers: int = 2, *, silence_logs: int = logging.ERROR):
    """A ``dask.distributed`` ``LocalCluster`` of quiet worker processes on 127.0.0.1.

    One thread per worker process; no dashboard (the scheduler's HTTP server on a free port:
    by default it takes port 8787, and a second cluster alive at once warns that the port is
    in use); the cluster logs errors only. Use as a context manager, with a ``Client``, which
    makes itself the current scheduler::

        with local_cluster(2) as cluster, Client(cluster):
            quantize_many(paths, 16)

    Parameters
    ----------
    workers : int, default 2
    silence_logs : int, default logging.ERROR
        The level below which the scheduler and the workers log nothing, as Dask's
        ``LocalCluster`` takes it.

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
        silence_logs=silence_logs,
    )
