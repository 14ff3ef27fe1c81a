"""Images too large for memory (gigapixel scans, tiled TIFF, zarr) as Dask arrays.

:func:`quantize_tiled` takes an ``(H, W, 3)`` uint8 ``dask.array`` — e.g. from
:func:`read_tiled` over a tiled TIFF or a zarr store — and never holds the whole image:

1. one :class:`~kmeans_lab.histogram.ColorHistogram` per chunk, summed by a ``dask.bag``
   reduction (``split_every=8``: only the total reaches this process);
2. :func:`~kmeans_lab.fit_palette` once, on that exact histogram;
3. labels per chunk (``map_blocks``) through a :class:`~kmeans_lab.lookup.ColorLookup` of the
   palette built in the task, lazily;
4. :meth:`TiledQuantized.save` writes them band by band (a row of chunks at a time), tile by
   tile: a palette TIFF (tifffile) or a zarr store, atomically.

Everything runs on the current Dask scheduler (a ``distributed.Client`` makes itself current;
threads otherwise). The result equals :func:`kmeans_lab.quantize` of the same image in memory
(same palette, same labels, for the same seed). Needs the ``distributed`` extra (dask,
tifffile, zarr).
"""

from __future__ import annotations

import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._optional import dask_compute, require
from ._validation import check, check_palette_size
from .histogram import ColorHistogram, pack_colors
from .image import ImageError, atomic_write, check_output_path
from .lookup import ColorLookup, label_dtype
from .options import KMeansOptions
from .palette import Palette
from .quantization import fit_palette

__all__ = ["TiffSource", "TiledQuantized", "read_tiled", "tiled_histogram", "quantize_tiled", "save_tiled"]

#: Chunk histograms summed per task of the reduction tree.
SPLIT_EVERY = 8

_PURPOSE = "tiled images (kmeans_lab.tiled)"


def _dask_array():
    return require("dask.array", _PURPOSE, extra="distributed")


class TiffSource:
    """An array-like over one page of a TIFF file that reads only the tiles a slice needs.

    Only the path travels in a Dask graph (the object is picklable, unlike tifffile's zarr
    store): each ``__getitem__`` opens the file, reads the slice through tifffile's zarr
    store and closes it. Give it to ``dask.array.from_array(..., asarray=False)``.

    Parameters
    ----------
    path : path-like
    page : int, default 0

    Attributes
    ----------
    shape : tuple of int
    dtype : numpy.dtype
    ndim : int
    tile : tuple of int or None
        ``(tile length, tile width)`` of a tiled TIFF, None for strips.
    """

    def __init__(self, path: str | os.PathLike, page: int = 0) -> None:
        tifffile = require("tifffile", _PURPOSE, extra="distributed")
        self.path, self.page = os.fspath(path), int(page)
        with tifffile.TiffFile(self.path) as tif:
            p = tif.pages[self.page]
            self.shape, self.dtype = tuple(p.shape), np.dtype(p.dtype)
            self.tile = (p.tilelength, p.tilewidth) if p.is_tiled else None
        self.ndim = len(self.shape)

    def __getitem__(self, key: Any) -> np.ndarray:
        tifffile = require("tifffile", _PURPOSE, extra="distributed")
        zarr = require("zarr", _PURPOSE, extra="distributed")
        with tifffile.imread(self.path, aszarr=True, key=self.page) as store:
            return np.asarray(zarr.open(store, mode="r")[key])

    def __repr__(self) -> str:
        return f"TiffSource({self.path!r}, shape={self.shape}, tile={self.tile})"


def read_tiled(path: str | os.PathLike, *, chunks: int = 2048):
    """A lazy ``(H, W, 3)`` uint8 Dask array over a TIFF (``.tif``/``.tiff``) or a zarr store (``.zarr``).

    Parameters
    ----------
    path : path-like
    chunks : int, default 2048
        Rows and columns per chunk of a TIFF (a multiple of its tile size reads each tile
        once); a zarr store keeps its own chunks.

    Returns
    -------
    dask.array.Array
    """
    da = _dask_array()
    path = Path(path)
    if path.suffix.lower() == ".zarr":
        return da.from_zarr(str(path))
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise ImageError(f"{path}: read_tiled reads .tif, .tiff or .zarr, not {path.suffix!r}")
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    source = TiffSource(path)
    size = check("chunks", chunks)
    return da.from_array(
        source, chunks=(size, size) + source.shape[2:], asarray=False, fancy=False, name=f"tiff-{path.stem}-{size}"
    )


def _checked(x):
    da = _dask_array()
    if not isinstance(x, da.Array):
        x = da.from_array(np.asarray(x), chunks=(2048, 2048, 3))
    if x.ndim != 3 or x.shape[2] != 3 or x.dtype != np.uint8:
        raise ValueError(f"image must be an (H, W, 3) uint8 array, got {x.dtype} {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"image is empty, shape {x.shape}")
    return x.rechunk({2: 3}) if len(x.chunks[2]) > 1 else x


def _chunk_histogram(block: np.ndarray) -> ColorHistogram:
    """The histogram of one chunk by sorting its packed colours in place.

    The same histogram as ``ColorHistogram.from_image``; for a chunk of a few megapixels a
    sort of 4 bytes per pixel beats filling and scanning its 80 MiB of 2^24-entry tables.
    """
    keys = pack_colors(np.asarray(block))  # a fresh buffer: sorted in place
    keys.sort()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return ColorHistogram.from_keys_and_counts(keys[starts], np.diff(np.r_[starts, keys.size]))


def tiled_histogram(x) -> ColorHistogram:
    """The exact colour histogram of a Dask array, counted per chunk and summed in a tree.

    Parameters
    ----------
    x : dask.array.Array of shape (H, W, 3), uint8

    Returns
    -------
    ColorHistogram
    """
    dask = require("dask", _PURPOSE, extra="distributed")
    bag = require("dask.bag", _PURPOSE, extra="distributed")
    # Each chunk's histogram is a one-item partition of a bag, reduced like quantize_many's.
    parts = [dask.delayed(lambda block: [_chunk_histogram(block)])(block) for block in _checked(x).to_delayed().ravel()]
    (histogram,) = dask_compute(bag.from_delayed(parts).reduction(sum, sum, split_every=SPLIT_EVERY), purpose=_PURPOSE)
    return histogram


def _chunk_labels(block: np.ndarray, palette: Palette) -> np.ndarray:
    return ColorLookup(palette)(np.asarray(block))  # built per task: 16-32 MiB, immutable, never shipped


@dataclass(frozen=True, eq=False)
class TiledQuantized:
    """A quantized Dask array: the palette, and labels computed chunk by chunk when needed.

    Attributes
    ----------
    palette : Palette
        ``palette.colors`` is the ``(K, 3)`` uint8 palette; ``palette.histogram`` the image's.
    labels : dask.array.Array of shape (H, W), uint8 (uint16 above 256 colours)
        Lazy palette indices, chunked like the image's rows and columns.
    """

    palette: Palette
    labels: Any

    @property
    def n_distinct(self) -> int:
        """Distinct colours of the image."""
        return len(self.palette.histogram)

    def compute(self) -> np.ndarray:
        """The labels in memory, ndarray of shape (H, W) (only for images that fit)."""
        return dask_compute(self.labels, purpose=_PURPOSE)[0]

    def save(self, path: str | os.PathLike, *, tile: int = 512, compression: str | None = "zlib") -> int:
        """Write the labels with the palette, tile by tile: :func:`save_tiled`."""
        return save_tiled(path, self.palette.colors, self.labels, tile=tile, compression=compression)


def quantize_tiled(
    x,
    k: int,
    *,
    options: KMeansOptions | None = None,
    **changes: object,
) -> TiledQuantized:
    """Quantize an image held as a Dask array to ``k`` colours, chunk by chunk.

    Parameters
    ----------
    x : dask.array.Array (or ndarray) of shape (H, W, 3), uint8
        E.g. :func:`read_tiled` of a tiled TIFF or a zarr store.
    k : int
    options, **changes
        As in :func:`kmeans_lab.fit_palette`.

    Returns
    -------
    TiledQuantized
        The palette (fitted now: the histogram pass has run) and lazy labels.

    Notes
    -----
    Exactly :func:`kmeans_lab.quantize` of the image in memory: the chunks' histograms sum
    to the image's, and every colour maps to its k-means cluster. Memory in this process:
    the histogram (11 bytes per distinct colour) and the k-means temporaries on the distinct
    colours; per chunk being counted or mapped, about 12 bytes per pixel (its pixels, packed
    colours, labels) and a lookup table of 16-32 MiB. Runs on the current Dask scheduler
    (``dask.config.set(scheduler="synchronous")`` holds one chunk at a time).
    """
    da, dask = _dask_array(), require("dask", _PURPOSE, extra="distributed")
    x = _checked(x)
    k = check("k", k)
    palette = fit_palette(tiled_histogram(x), k, options, **changes)
    dtype = label_dtype(len(palette))
    labels = da.map_blocks(
        _chunk_labels,
        x,
        dask.delayed(palette),  # in the graph once, not once per chunk
        drop_axis=2,
        dtype=dtype,
        meta=np.empty((0, 0), dtype),
        name=f"kmeans-lab-labels-{secrets.token_hex(8)}",
    )
    return TiledQuantized(palette, labels)


def _bands(labels, tile: int):
    """Labels rechunked so that every row band but the last is a whole number of tiles high."""
    rows = max(tile, labels.chunks[0][0] // tile * tile)
    cols = max(tile, labels.chunks[1][0] // tile * tile)
    return labels.rechunk((rows, cols))


def _band_tiles(labels, tile: int):
    """The tiles of ``labels`` in row-major order, one band of rows computed at a time.

    The next band is computed on a second thread (on the current Dask scheduler) while this
    one is written, so at most two bands are held.
    """
    starts = np.cumsum((0,) + labels.chunks[0][:-1])
    bands = [labels[start : start + height] for start, height in zip(starts, labels.chunks[0])]
    with ThreadPoolExecutor(max_workers=1) as ahead:
        pending = ahead.submit(dask_compute, bands[0], purpose=_PURPOSE)
        for index in range(len(bands)):
            (band,) = pending.result()
            if index + 1 < len(bands):
                pending = ahead.submit(dask_compute, bands[index + 1], purpose=_PURPOSE)
            for top in range(0, band.shape[0], tile):
                for left in range(0, band.shape[1], tile):
                    yield np.ascontiguousarray(band[top : top + tile, left : left + tile])
            del band


def save_tiled(
    path: str | os.PathLike,
    palette: np.ndarray,
    labels,
    *,
    tile: int = 512,
    compression: str | None = "zlib",
) -> int:
    """Write lazy labels with their palette, never holding more than two bands of rows.

    Parameters
    ----------
    path : path-like
        ``.tif``/``.tiff``: a tiled palette TIFF (photometric palette, the colours in its
        16-bit colour map), written by tifffile into a temporary file renamed when
        complete (:func:`kmeans_lab.image.atomic_write`). ``.zarr``: a zarr store of the
        labels, chunks of ``tile`` × ``tile``, the palette in its attribute ``"palette"``;
        written by the workers into a temporary folder renamed when complete.
    palette : ndarray of shape (K, 3), uint8
        K ≤ 256 for a TIFF.
    labels : dask.array.Array of shape (H, W), integer
    tile : int, default 512
        Tile (or zarr chunk) side, a multiple of 16.
    compression : str or None, default "zlib"
        TIFF compression (tifffile's names; None for none). Ignored for zarr (its default codec).

    Returns
    -------
    int
        Bytes written (the TIFF file, or every file of the zarr store).
    """
    path = Path(path)
    tile = check("tile", tile)
    palette = np.asarray(palette, dtype=np.uint8)
    suffix = path.suffix.lower()
    if suffix == ".zarr":
        return _save_zarr(path, palette, labels, tile)
    if suffix not in (".tif", ".tiff"):
        raise ValueError(f"{path}: save_tiled writes .tif, .tiff or .zarr, not {path.suffix!r}")
    tifffile = require("tifffile", _PURPOSE, extra="distributed")
    check_palette_size(len(palette), "a palette TIFF holds")
    check_output_path(path)
    labels = _bands(labels, tile)
    colormap = np.zeros((3, 256), dtype=np.uint16)
    colormap[:, : len(palette)] = palette.T.astype(np.uint16) * 257  # TIFF colour maps are 16-bit
    height, width = labels.shape

    def write(handle) -> None:
        tifffile.imwrite(
            tifffile.FileHandle(handle, name=path.name),  # the handle's own name is a descriptor number
            _band_tiles(labels, tile),
            shape=(height, width),
            dtype=np.uint8,
            tile=(tile, tile),
            photometric="palette",
            colormap=colormap,
            compression=compression,
            bigtiff=height * width > 2**32 - 2**28,
        )

    return atomic_write(path, write)


def _save_zarr(path: Path, palette: np.ndarray, labels, tile: int) -> int:
    zarr = require("zarr", _PURPOSE, extra="distributed")
    da = _dask_array()
    if path.exists() and not path.is_dir():
        raise ImageError(f"{path}: exists and is not a zarr store (a folder)")
    if not path.parent.is_dir():
        raise ImageError(f"{path}: output folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ImageError(f"{path}: cannot write in output folder {path.parent}: permission denied")
    labels = labels.rechunk((tile, tile)) if labels.chunks[0][0] % tile or labels.chunks[1][0] % tile else labels
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        store = zarr.create_array(str(tmp), shape=labels.shape, chunks=(tile, tile), dtype=labels.dtype)
        store.attrs["palette"] = palette.tolist()
        # Chunks are whole zarr chunks: each task writes its own, no lock needed.
        written = da.store(labels, store, lock=False, compute=False)
        dask_compute(written, purpose=_PURPOSE)
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.{secrets.token_hex(4)}.old"
            path.rename(old)
        tmp.rename(path)
        tmp = None
        if old is not None:
            shutil.rmtree(old)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
