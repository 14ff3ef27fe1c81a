"""Mapping an image to a given palette with dithering: error diffusion or an ordered threshold.

:func:`diffuse` is the library's error diffusion: Floyd–Steinberg's neighbourhood in the
clustering space (sRGB, CIELAB or Oklab; premultiplied for RGBA), with the limits
libimagequant puts on what is spread, vectorised along wavefronts of independent pixels.
:func:`ordered_dither` adds a fixed 8×8 Bayer threshold offset to every pixel and
takes the nearest palette colour: each pixel depends only on its own colour and position, so
the result is the same whatever the tiling, and a still area of an animation stays still.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from ._validation import check
from .color import from_rgb
from .histogram import row_chunks

__all__ = ["diffuse", "ordered_dither", "bayer_matrix", "palette_spacing"]

# Pixels per block of ordered dithering: bounds its int16 temporaries (8 bytes per pixel).
_ORDERED_CHUNK_PIXELS = 1 << 20
# Error diffusion works on bands of whole tile rows of about this many pixels (bounds its
# buffers, about 60 bytes per pixel) and searches the palette in blocks of at most this many
# pixel-entry distances (4 bytes each: a block stays in cache for the argmin).
_BAND_PIXELS = 1 << 20
_BLOCK_DISTANCES = 1 << 17
# Per-channel scale bringing each clustering space to about 0..1, the unit of the error limits.
_UNIT = {"rgb": 1 / 255, "lab": 1 / 100, "oklab": 1.0}
# Floyd–Steinberg's shares: to the right, and below-left, below, below-right.
_RIGHT, _BELOW = np.float32(7 / 16), (np.array([3, 5, 1], np.float32) / 16)[:, None, None, None]
# libimagequant's limits: the factor on an offset (an error) whose squared length is below
# min_error², between, or at or above max_error².
_OFFSET_FACTOR, _ERROR_FACTOR = np.float32([0, 1, 0.8]), np.float32([1, 1, 0.75])


def _points(colors: np.ndarray, color_space: str, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 colours (..., 3|4) as float32 points of the clustering space in its unit (see :data:`_UNIT`).

    RGBA is premultiplied, ``(c·α, α)`` with α in 0..1, so every fully transparent pixel is
    the origin and a colour counts in proportion to its opacity. Written into the first 3 or
    4 channels of ``out`` when given (no float64 copy).
    """
    colors = np.asarray(colors)
    out = np.empty(colors.shape, np.float32) if out is None else out
    np.multiply(from_rgb(colors[..., :3], color_space), _UNIT[color_space], out=out[..., :3], casting="same_kind")
    if colors.shape[-1] == 4:
        out[..., 3] = colors[..., 3] / np.float32(255)
        out[..., :3] *= out[..., 3:4]
    return out


def _check_palette(palette: np.ndarray, channels: int) -> np.ndarray:
    """``palette`` as a (K, 3|4) uint8 array fit for an image of ``channels`` channels, or ``ValueError``."""
    palette = np.asarray(palette)
    if palette.ndim != 2 or palette.shape[1] not in (3, 4) or palette.dtype != np.uint8 or len(palette) == 0:
        raise ValueError(
            f"palette must be a non-empty (K, 3) or (K, 4) uint8 array, got {palette.dtype} {palette.shape}"
        )
    if len(palette) > 65536:
        raise ValueError(f"palette has {len(palette)} colours; error diffusion maps to at most 65536")
    if channels == 4 and palette.shape[1] == 3:
        raise ValueError("palette: an RGBA image needs an RGBA palette (K, 4)")
    return palette


def diffuse(
    image: np.ndarray,
    palette: np.ndarray,
    color_space: str = "oklab",
    *,
    strength: float = 0.9,
    max_error: float = 0.032,
    min_error: float = 0.0055,
    tile: tuple[int, int] = (128, 256),
) -> np.ndarray:
    """Palette indices of ``image`` by error diffusion in the clustering space, limited as libimagequant limits it.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        sRGB, or sRGB with straight alpha.
    palette : ndarray of shape (K, 3) or (K, 4), uint8, 1 ≤ K ≤ 65536
        The colours to map to; RGBA for an RGBA image (an RGB image counts as opaque).
    color_space : {"oklab", "lab", "rgb"}, default "oklab"
        Where colours are compared and errors measured: the space the palette was clustered in.
    strength : float in [0, 1], default 0.9
        Share of the received error added to a pixel; below 1 an error cannot build up for
        ever (libimagequant takes 15/16; 0.9 gave about 1 % fewer bytes at the same standing
        against pngquant on the tuning photographs).
    max_error : float ≥ 0, default 0.032
        Offsets and errors longer than this are damped (by 0.8 and 0.75). Lengths are in the
        space's coordinates scaled to about 0..1: sRGB / 255, CIELAB / 100, Oklab as is
        (0.032 is about 8 levels of 255 in sRGB, 3 ΔE in CIELAB).
    min_error : float ≥ 0, default 0.0055
        A received offset shorter than this is dropped: where the palette already fits, the
        pixel takes its nearest colour and flat areas stay flat (fewer bytes).
    tile : (int, int), default (128, 256)
        Height and width of the tiles dithered side by side (the image is cut into equal
        tiles of at most this size); error does not cross tile edges.

    Returns
    -------
    ndarray of shape (H, W), uint8 for K ≤ 256, else uint16
        Indices into ``palette``.

    Notes
    -----
    Each pixel p (a point of ``color_space``; RGBA premultiplied, ``(c·α, α)``) receives
    Floyd–Steinberg's shares of its neighbours' errors: 7/16 from the left, 3/16, 5/16 and
    1/16 from the row above (right, middle, left). It takes the offset s = ``strength`` ×
    received, dropped below ``min_error`` and damped above ``max_error``; its label is the
    palette point nearest p + s (ties to the lowest index); its error p + s − c, damped above
    ``max_error``, goes on. Fully transparent pixels take no offset and pass no error on.

    Rows are scanned left to right. Pixel (x, y) needs (x − 1, y) and (x − 1 … x + 1, y − 1),
    whose x + 2y are 1 to 3 smaller, so the pixels of one diagonal x + 2y = t do not depend on
    each other: a tile of h × w pixels takes w + 2h − 2 vectorised steps, all tiles together.
    A serpentine scan would chain each row to the end of the row above and leave no
    wavefront (alternating the kernel's mirror per row keeps one, but was measured no better).
    The tiles only give the steps enough pixels; each tile starts like an image's top-left
    corner. A per-pixel edge weight (libimagequant's contrast map) was measured too and left
    out: on the tuning photographs it cost more FLIP than it saved bytes. Cost: O(H·W·K) for
    the nearest-colour search, plus about 20 NumPy calls per step.

    Examples
    --------
    >>> import numpy as np
    >>> gray = np.full((16, 16, 3), 99, np.uint8)  # Oklab lightness 0.5, halfway from black to white
    >>> labels = diffuse(gray, np.array([[0, 0, 0], [255, 255, 255]], np.uint8))
    >>> float(labels.mean())  # half the pixels white
    0.5
    """
    image, color_space = check("image", image), check("color_space", color_space)
    palette = _check_palette(palette, image.shape[2])
    strength = check("strength", strength)
    if strength > 1:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")
    max_error, min_error = check("max_error", max_error), check("min_error", min_error)
    if min_error > max_error:
        raise ValueError(f"min_error={min_error!r} must not exceed max_error={max_error!r}")
    if not isinstance(tile, tuple | list) or len(tile) != 2:
        raise ValueError(f"tile must be (height, width), got {tile!r}")
    tile_h, tile_w = (check("tile_side", n, label="tile") for n in tile)
    height, width = image.shape[:2]
    tile_h, tile_w = -(-height // -(-height // tile_h)), -(-width // -(-width // tile_w))  # equal tiles
    centres = _points(palette, color_space)
    search = np.vstack([-centres.T, 0.5 * (centres * centres).sum(axis=1)])  # see _nearest
    limits = np.float32([min_error, max_error]) ** 2
    labels = np.empty((height, width), np.uint8 if len(palette) <= 256 else np.uint16)
    rows = tile_h * max(1, _BAND_PIXELS // (tile_h * width))
    padded_w = -(-width // tile_w) * tile_w
    # Each step's search is a product too small to share between threads: BLAS's would spin
    # and contend (4 times the CPU time on 2 cores). One thread gives the same products.
    with threadpool_limits(limits=1, user_api="blas"):
        for top in range(0, height, rows):
            band = image[top : top + rows]
            padded_h = -(-len(band) // tile_h) * tile_h
            # Points with a last coordinate 1, as the search takes them (padding: (0, …, 0, 1)).
            points = np.zeros((padded_h, padded_w, len(search)), np.float32)
            points[..., -1] = 1
            _points(band, color_space, out=points[: len(band), :width])
            if image.shape[2] < centres.shape[1]:  # an RGB image on an RGBA palette is opaque
                points[: len(band), :width, 3] = 1
            spread = np.zeros((padded_h, padded_w), np.float32)  # 0: takes no error and passes none on
            spread[: len(band), :width] = band[..., 3] > 0 if image.shape[2] == 4 else 1
            found = _diffuse_band(points, spread, tile_h, tile_w, search, strength, limits)
            labels[top : top + rows] = found[: len(band), :width]
    return labels


def _nearest(q: np.ndarray, search: np.ndarray) -> np.ndarray:
    """Index of the nearest palette point to each row of ``q`` ((n, C + 1), last column ones): argmin ½‖c‖² − q·c.

    ``search`` is ``[−cᵀ; ½‖c‖²]``, shape (C + 1, K): one matrix product gives the distances
    less ½‖q‖², which does not change the argmin (ties go to the lowest index).
    """
    block = max(1, _BLOCK_DISTANCES // search.shape[1])
    if len(q) <= block:
        return (q @ search).argmin(axis=1)
    return np.concatenate([(q[i : i + block] @ search).argmin(axis=1) for i in range(0, len(q), block)])


def _records(points: np.ndarray) -> np.ndarray:
    """(..., d) float32 as a flat array of d-float records: one gather moves a whole point (about 8× faster)."""
    return np.ascontiguousarray(points, np.float32).reshape(-1).view(np.dtype((np.void, 4 * points.shape[-1])))


def _diffuse_band(points, spread, tile_h, tile_w, search, strength, limits) -> np.ndarray:
    """Labels (H, W) of whole tiles: ``points`` (H, W, C + 1) float32, ``spread`` (H, W) 1 or 0 (see :func:`diffuse`).

    Step t handles slot (t, r) of every tile at once: row r, column t − 2r of the tile.
    ``received[t, r]`` holds the error that slot has received so far. Points and centres
    carry a last coordinate 1, so a point is also the search's input and every error's
    last coordinate is 0.
    """
    height, width, d = points.shape
    corners = ((np.arange(height // tile_h) * tile_h * width)[:, None] + np.arange(0, width, tile_w)).ravel()
    slots = (np.arange(tile_h) * (width - 2))[:, None] + corners  # flat index at t = 0; add t
    records, spread = _records(points), spread.ravel()
    gain, centres = spread * np.float32(strength), _records(np.vstack([-search[:-1], np.ones(search.shape[1])]).T)
    received = np.zeros((tile_w + 2 * tile_h + 1, tile_h + 1, len(corners), d), np.float32)
    labels = np.empty(len(spread), np.int64)
    for t in range(tile_w + 2 * tile_h - 2):
        lo, hi = max(0, (t - tile_w + 2) // 2), min(tile_h, t // 2 + 1)
        at = slots[lo:hi] + t
        s = received[t, lo:hi] * gain[at][..., None]
        s *= _OFFSET_FACTOR[np.searchsorted(limits, np.einsum("...c,...c->...", s, s), "right")][..., None]
        q = s + np.take(records, at).view(np.float32).reshape(s.shape)
        j = _nearest(q.reshape(-1, d), search)
        labels[at.ravel()] = j
        e = q - np.take(centres, j).view(np.float32).reshape(s.shape)
        kept = _ERROR_FACTOR[np.searchsorted(limits, np.einsum("...c,...c->...", e, e), "right")] * spread[at]
        e *= kept[..., None]
        received[t + 1 : t + 4, lo + 1 : hi + 1] += e * _BELOW  # before the right share: a row loop's order
        received[t + 1, lo:hi] += e * _RIGHT
    return labels.reshape(height, width)


def bayer_matrix(order: int = 3) -> np.ndarray:
    """The ``2**order`` × ``2**order`` Bayer index matrix: each of 0 … 4**order − 1 once.

    Built by the recursion ``M(2n) = [[4M, 4M + 2], [4M + 3, 4M + 1]]``; neighbouring
    thresholds are as far apart as possible, so any flat area gets an even pattern.

    Returns
    -------
    ndarray of shape (2**order, 2**order), int64

    Examples
    --------
    >>> bayer_matrix(1).tolist()
    [[0, 2], [3, 1]]
    >>> int(bayer_matrix(3).max()), bayer_matrix(3).shape
    (63, (8, 8))
    """
    m = np.zeros((1, 1), dtype=np.int64)
    for _ in range(order):
        m = np.block([[4 * m, 4 * m + 2], [4 * m + 3, 4 * m + 1]])
    return m


def palette_spacing(palette: np.ndarray) -> float:
    """Typical distance between palette colours: the median over entries of the distance to the nearest other.

    Parameters
    ----------
    palette : ndarray of shape (K, 3) or (K, 4), uint8
        Only the colour channels (R, G, B) count.

    Returns
    -------
    float
        In 8-bit units; 0 for fewer than two distinct colours. For a uniform grid of step
        q it is q, the spread ordered dithering needs on that grid.

    Examples
    --------
    >>> import numpy as np
    >>> palette_spacing(np.array([[0, 0, 0], [0, 0, 32], [0, 32, 32]], np.uint8))
    32.0
    """
    rgb = np.unique(np.asarray(palette)[:, :3].astype(np.float64), axis=0)
    if len(rgb) < 2:
        return 0.0
    d2 = ((rgb[:, None, :] - rgb[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(d2, np.inf)
    return float(np.median(np.sqrt(d2.min(axis=1))))


def ordered_dither(
    image: np.ndarray,
    palette: np.ndarray,
    nearest: Callable[[np.ndarray], np.ndarray],
    *,
    spread: float | None = None,
) -> np.ndarray:
    """Palette indices of ``image`` by ordered (8×8 Bayer) dithering.

    Each pixel's colour channels are offset by ``spread · ((M[y % 8, x % 8] + 0.5) / 64 − 0.5)``
    (M the :func:`bayer_matrix`), rounded and clipped to 0..255, and the offset colour takes
    its nearest palette colour through ``nearest``. Alpha is never offset (fully
    transparent pixels stay fully transparent, opaque ones opaque).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    palette : ndarray of shape (K, 3) or (K, 4), uint8
        The palette ``nearest`` maps to; its :func:`palette_spacing` is the default spread.
    nearest : callable
        Maps an ``(h, W, C)`` uint8 block to its ``(h, W)`` palette indices — the package's
        lookup, :class:`kmeans_lab.quantization.ColorLookup` (nearest centre in the palette's
        colour space).
    spread : float, optional
        Peak-to-peak size of the offsets in 8-bit units; default the palette's spacing.

    Returns
    -------
    ndarray of shape (H, W)
        Indices into ``palette``, of the dtype ``nearest`` returns.

    Notes
    -----
    Runs in row blocks of about a million pixels (a few int16 temporaries each). The offset
    depends only on the pixel's position modulo 8, so the same image gives the same labels
    in one piece or in tiles aligned to 8 pixels, and a pixel that keeps its colour from one
    animation frame to the next keeps its palette entry. Cost O(N) plus one nearest-centre
    search per new offset colour (at most 64 per distinct colour).

    Examples
    --------
    >>> import numpy as np
    >>> gray = np.full((8, 8, 3), 128, np.uint8)
    >>> palette = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    >>> nearest = lambda block: (block[..., 0] >= 128).astype(np.uint8)
    >>> int(ordered_dither(gray, palette, nearest).sum())  # half the pixels white
    32
    """
    image = check("image", image)
    palette = np.asarray(palette)
    spread = palette_spacing(palette) if spread is None else float(spread)
    size = 8
    offsets = np.rint(spread * ((bayer_matrix(3) + 0.5) / (size * size) - 0.5)).astype(np.int16)
    height, width = image.shape[:2]
    tile = np.tile(offsets, (1, -(-width // size)))[:, :width]  # (8, W): one period of rows
    labels = None
    rows = max(size, _ORDERED_CHUNK_PIXELS // max(width, 1) // size * size)  # whole periods per block
    for top, block in row_chunks(image, rows * width):
        shift = tile[(top + np.arange(len(block))) % size][:, :, None]
        shifted = block.copy()
        shifted[..., :3] = np.clip(block[..., :3].astype(np.int16) + shift, 0, 255)
        found = nearest(shifted)
        if labels is None:
            labels = np.empty((height, width), dtype=found.dtype)
        labels[top : top + len(block)] = found
    return labels
