"""Compression comparisons for the report: k-means palette PNGs against other quantizers and JPEG.

Every row measures a file as it would be written (palette PNG with the smallest bit depth,
Pillow ``optimize=True``; JPEG at a quality) against the original, with the metrics of
:mod:`kmeans_lab.metrics`. The competing quantizers are those of :mod:`kmeans_lab.lab.contenders`.
"""

from __future__ import annotations

import colorsys
import io
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ..histogram import ColorHistogram, distinct_colors
from ..metrics import (
    bits_per_pixel,
    compression_ratio,
    delta_e,
    mse,
    palette_png_bytes,
    png24_bytes,
    psnr_from_mse,
    ssim,
)
from ..palette import Palette, Quantized, expand
from ..quantization import apply_palette, fit_palette
from .contenders import CONTENDERS, available_contenders
from .paths import figures_dir

__all__ = [
    "KS",
    "JPEG_QUALITIES",
    "COMPETITORS",
    "measure",
    "kmeans_sweep",
    "competitor_rows",
    "jpeg_encode",
    "jpeg_rows",
    "jpeg_at_bytes",
    "palette_of",
    "pillow_floyd_steinberg",
    "map_pixels",
    "dither_rows",
    "DITHERS",
    "dither_method_rows",
    "dither_stability",
    "color_space_rows",
    "target_table",
    "round_sig",
    "save_table",
    "synthetic_graphic",
    "log_log_slopes",
    "clustercompress_kmeans",
    "palette_shares",
    "color_name",
    "psnr_at_bpp",
    "jpeg_gap",
    "image_overview",
    "PERCEPTUAL_IMAGES",
    "PERCEPTUAL_KS",
    "seen_quality",
    "perceptual_rows",
    "main",
]

#: The K of the report's tables.
KS = (2, 4, 8, 16, 32, 64, 128, 256)
#: JPEG qualities of the rate-distortion curves.
JPEG_QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
#: Palette quantizers compared with kmeans_lab, by their names in :data:`kmeans_lab.lab.contenders.CONTENDERS`.
COMPETITORS = ("pillow_mediancut", "pillow_maxcoverage", "pillow_fastoctree", "imagequant")


def measure(image: np.ndarray, written: np.ndarray, n_bytes: int, *, perceptual: bool = True) -> dict:
    """Size and quality of one encoded file.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
        The original.
    written : ndarray of shape (H, W, 3), uint8
        The image as decoded from the file.
    n_bytes : int
        Size of the file.
    perceptual : bool, default True
        Also compute SSIM and mean CIEDE2000 ΔE (slower).

    Returns
    -------
    dict
        ``bytes``, ``bpp``, ``ratio_raw`` (H·W·3 / bytes), ``mse``, ``psnr`` and, if asked,
        ``ssim`` and ``delta_e``.
    """
    error = mse(image, written)
    row = {
        "bytes": int(n_bytes),
        "bpp": bits_per_pixel(image, n_bytes),
        "ratio_raw": compression_ratio(image, n_bytes, reference="raw"),
        "mse": error,
        "psnr": psnr_from_mse(error),
    }
    if perceptual:
        row["ssim"] = ssim(image, written)
        row["delta_e"] = delta_e(image, written)
    return row


def pillow_floyd_steinberg(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Palette indices of ``image`` by Pillow's Floyd–Steinberg error diffusion (full strength, sRGB), a contender.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    palette : ndarray of shape (K, 3), uint8, 1 ≤ K ≤ 256

    Returns
    -------
    ndarray of shape (H, W), uint8
        Indices into ``palette``.

    Notes
    -----
    Pillow's palette holds 256 entries; the unused ones are filled with copies of
    ``palette[0]`` (not black), so Pillow can never pick a colour outside ``palette``, and
    any pick of a copy is mapped back to index 0.

    Examples
    --------
    >>> import numpy as np
    >>> gray = np.full((4, 4, 3), 128, np.uint8)
    >>> labels = pillow_floyd_steinberg(gray, np.array([[0, 0, 0], [255, 255, 255]], np.uint8))
    >>> int(labels.sum())  # about half the pixels white
    8
    """
    palette = np.asarray(palette, dtype=np.uint8)
    k = len(palette)
    if k < 1:
        raise ValueError("dithering needs at least one palette colour")
    if k > 256:
        raise ValueError(f"Pillow's dithering maps to at most 256 colours, not {k}")
    padded = np.repeat(palette[:1], 256, axis=0)
    padded[:k] = palette
    target = Image.new("P", (1, 1))
    target.putpalette(padded.reshape(-1).tolist(), rawmode="RGB")
    source = Image.fromarray(image, "RGB")
    out = source.quantize(palette=target, dither=Image.Dither.FLOYDSTEINBERG)
    indices = np.asarray(out, dtype=np.uint8)
    lut = np.zeros(256, dtype=np.uint8)
    lut[:k] = np.arange(k, dtype=np.uint8)
    return lut[indices]


def map_pixels(image: np.ndarray, palette: Palette, method: bool | str) -> np.ndarray:
    """Labels of ``image`` on ``palette`` by ``method``: the library's (``False``, ``"diffusion"``, ``"ordered"``)
    or Pillow's ``"floyd-steinberg"`` (RGB only), the contender."""
    if method == "floyd-steinberg":
        return pillow_floyd_steinberg(image, palette.colors)
    return apply_palette(image, palette, dither=method).labels


def palette_of(quantized_image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Palette and labels of an image of at most 256 colours, for writing it as a palette PNG."""
    colors, _, inverse = distinct_colors(quantized_image)
    if len(colors) > 256:
        raise ValueError(f"a palette PNG holds at most 256 colours, the image has {len(colors)}")
    return colors, inverse.astype(np.uint8).reshape(quantized_image.shape[:2])


def kmeans_sweep(
    image: np.ndarray, ks: Iterable[int] = KS, *, perceptual: bool = True, **fit_options
) -> tuple[list[dict], dict[int, Quantized]]:
    """Quantize at every K (one histogram, :func:`kmeans_lab.fit_palette` options) and measure the palette PNG of each.

    Returns
    -------
    rows : list of dict
        One per K: ``k`` and :func:`measure`'s columns, plus ``ratio`` against the 24-bit PNG.
    results : dict of int to Quantized
        The quantized images, for reuse (dithering, crops).
    """
    histogram = ColorHistogram.from_image(image)
    png24 = png24_bytes(image)
    rows, results = [], {}
    for k in ks:
        q = apply_palette(image, fit_palette(histogram, k, **fit_options))
        n_bytes = palette_png_bytes(q.palette.colors, q.labels)
        row = {"k": k, **measure(image, q.image, n_bytes, perceptual=perceptual)}
        row["ratio"] = png24 / n_bytes
        rows.append(row)
        results[k] = q
    return rows, results


def competitor_rows(
    image: np.ndarray, ks: Iterable[int] = KS, names: Sequence[str] = COMPETITORS, *, seed: int = 0
) -> list[dict]:
    """Palette PNGs of the other quantizers (no dithering) at every K; skips those not installed.

    Each row: ``method``, ``k``, ``colors`` (colours actually used) and :func:`measure`'s size
    and error columns (no perceptual metrics).
    """
    runnable, _ = available_contenders(list(names))
    rows = []
    for name in runnable:
        for k in ks:
            out = CONTENDERS[name](image, k, seed, 300, 1e-4)
            palette, labels = palette_of(out)
            n_bytes = palette_png_bytes(palette, labels)
            sizes = measure(image, out, n_bytes, perceptual=False)
            rows.append({"method": name, "k": k, "colors": len(palette), **sizes})
    return rows


def jpeg_encode(image: np.ndarray, quality: int, *, subsampling: int | None = None) -> tuple[np.ndarray, int]:
    """Encode as JPEG with Pillow (``optimize=True``); return (decoded, bytes).

    ``subsampling`` is Pillow's: None for its default (4:2:0 chroma subsampling at every quality
    used here), 0 for none (4:4:4), 1 for 4:2:2, 2 for 4:2:0.
    """
    buffer = io.BytesIO()
    options = {} if subsampling is None else {"subsampling": int(subsampling)}
    Image.fromarray(image, "RGB").save(buffer, format="JPEG", quality=int(quality), optimize=True, **options)
    n_bytes = buffer.tell()
    buffer.seek(0)
    with Image.open(buffer) as im:
        decoded = np.asarray(im.convert("RGB"))
    return decoded, n_bytes


def jpeg_rows(image: np.ndarray, qualities: Iterable[int] = JPEG_QUALITIES, *, perceptual: bool = False) -> list[dict]:
    """JPEG at each quality: ``method="jpeg"``, ``quality`` and :func:`measure`'s columns."""
    rows = []
    for quality in qualities:
        decoded, n_bytes = jpeg_encode(image, quality)
        sizes = measure(image, decoded, n_bytes, perceptual=perceptual)
        rows.append({"method": "jpeg", "quality": int(quality), **sizes})
    return rows


def jpeg_at_bytes(image: np.ndarray, n_bytes: int) -> tuple[int, np.ndarray, int]:
    """The highest JPEG quality (1..95) whose file is at most ``n_bytes``; (quality, decoded, bytes).

    Bisection over quality, assuming size grows with quality. Quality 1 if nothing fits.
    """
    lo, hi = 1, 95
    best = (1, *jpeg_encode(image, 1))
    while lo <= hi:
        mid = (lo + hi) // 2
        decoded, size = jpeg_encode(image, mid)
        if size <= n_bytes:
            best = (mid, decoded, size)
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def dither_rows(image: np.ndarray, quantized: Quantized) -> list[dict]:
    """The same palette without and with Floyd–Steinberg dithering: ``dither`` and :func:`measure`'s columns."""
    rows = []
    for dither in (False, True):
        colors = quantized.palette.colors
        labels = pillow_floyd_steinberg(image, colors) if dither else quantized.labels
        n_bytes = palette_png_bytes(colors, labels)
        rows.append({"k": quantized.k, "dither": dither, **measure(image, expand(colors, labels), n_bytes)})
    return rows


def color_space_rows(
    image: np.ndarray,
    ks: Iterable[int],
    spaces: Sequence[str] = ("rgb", "lab"),
    *,
    with_ssim: bool = True,
    **fit_options,
) -> list[dict]:
    """k-means in each colour space at each K: ``color_space``, ``k``, :func:`measure`'s columns and ``seconds``.

    ``seconds`` is one run of :func:`kmeans_lab.fit_palette` (colour conversion included) and
    :func:`kmeans_lab.apply_palette` on the image's histogram, computed once for all rows.
    ``with_ssim=False`` leaves out SSIM (the slowest metric on a large image), not ΔE.
    """
    rows = []
    histogram = ColorHistogram.from_image(image)
    for k in ks:
        for space in spaces:
            start = time.perf_counter()
            q = apply_palette(image, fit_palette(histogram, k, color_space=space, **fit_options))
            seconds = time.perf_counter() - start
            n_bytes = palette_png_bytes(q.palette.colors, q.labels)
            written = q.image
            row = {"k": k, "color_space": space, **measure(image, written, n_bytes, perceptual=with_ssim)}
            row.setdefault("delta_e", delta_e(image, written))
            rows.append({**row, "seconds": seconds})
    return rows


#: The mappings of a palette compared: nearest colour, the library's diffusion and ordered dithering,
#: and Pillow's Floyd–Steinberg (the contender), as :func:`map_pixels` takes them.
DITHERS = (False, True, "floyd-steinberg", "ordered")


def dither_method_rows(image: np.ndarray, palette: Palette, methods: Sequence[bool | str] = DITHERS) -> list[dict]:
    """One fitted palette mapped by each method: ``k``, ``dither``, :func:`measure`'s columns and ``seconds``.

    ``dither`` is ``"none"``, ``"diffusion"`` (``True``) or the method's name; ``seconds`` is one
    run of :func:`map_pixels` (the mapping alone, the palette being given).
    """
    rows = []
    for method in methods:
        start = time.perf_counter()
        labels = map_pixels(image, palette, method)
        seconds = time.perf_counter() - start
        n_bytes = palette_png_bytes(palette.colors, labels)
        name = method if isinstance(method, str) else "diffusion" if method else "none"
        written = expand(palette.colors, labels)
        rows.append({"k": len(palette), "dither": name, **measure(image, written, n_bytes), "seconds": seconds})
    return rows


def dither_stability(image: np.ndarray, palette: Palette, method: bool | str, *, box: int = 16) -> dict:
    """How far a small change spreads: the fraction of unchanged pixels whose palette entry changes.

    A ``box`` × ``box`` square near the top left corner is painted with the image's mean
    colour — one frame of an animation in which a small object moves — and both frames are
    mapped by ``method``. Error diffusion carries the difference along the rows after it;
    nearest-colour mapping and ordered dithering decide each pixel alone.

    Returns
    -------
    dict
        ``dither`` (as in :func:`dither_method_rows`), ``changed_outside`` (pixels outside the
        square with another palette entry in the second frame) and ``fraction_outside``
        (of the pixels outside the square).
    """
    frame = image.copy()
    top, left = image.shape[0] // 8, image.shape[1] // 8
    frame[top : top + box, left : left + box] = np.rint(image.reshape(-1, image.shape[2]).mean(axis=0))
    a = map_pixels(image, palette, method)
    b = map_pixels(frame, palette, method)
    outside = np.ones(image.shape[:2], dtype=bool)
    outside[top : top + box, left : left + box] = False
    changed = int(np.count_nonzero((a != b) & outside))
    name = method if isinstance(method, str) else "diffusion" if method else "none"
    return {"dither": name, "changed_outside": changed, "fraction_outside": changed / int(outside.sum())}


def target_table(rows: pd.DataFrame) -> pd.DataFrame:
    """MSE per (image, K) and method, with kmeans_lab's margin over the best competitor.

    Parameters
    ----------
    rows : DataFrame
        Columns ``image``, ``k``, ``method``, ``mse`` (kmeans_lab's method named ``"kmeans_lab"``).

    Returns
    -------
    DataFrame
        Index (image, k); one MSE column per method; ``best_other`` (the competitor with the
        lowest MSE) and ``kmeans_vs_best`` (kmeans_lab MSE / that MSE; below 1 means
        kmeans_lab wins).
    """
    table = rows.pivot_table(index=["image", "k"], columns="method", values="mse", sort=False)
    others = [c for c in table.columns if c != "kmeans_lab"]
    table = table[["kmeans_lab", *others]]
    table["best_other"] = table[others].idxmin(axis=1)
    table["kmeans_vs_best"] = table["kmeans_lab"] / table[others].min(axis=1)
    table.columns.name = None
    return table


def round_sig(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Round every float column to ``digits`` significant digits, for printing stable numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "f":
            values = out[column].to_numpy(dtype=np.float64)
            finite = np.isfinite(values) & (values != 0)
            scale = np.zeros_like(values)
            scale[finite] = digits - 1 - np.floor(np.log10(np.abs(values[finite])))
            out[column] = [float(np.round(v, int(s))) if f else v for v, s, f in zip(values, scale, finite)]
    return out


def save_table(frame: pd.DataFrame, name: str | Path, *, digits: int = 4, index: bool = False) -> Path:
    """Write ``frame`` as ``figures/<name>`` (CSV), floats rounded to ``digits`` significant digits.

    Rounded to the precision the report prints, a regenerated table is byte-identical unless
    a printed number changed. Returns the path.
    """
    path = figures_dir() / name
    if not path.suffix:
        path = path.with_suffix(".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    round_sig(frame, digits).to_csv(path, index=index)
    return path


def synthetic_graphic(height: int = 240, width: int = 320) -> np.ndarray:
    """A flat-colour graphic (bands, a disc, thin lines; 6 colours) of the kind palette PNGs suit.

    Deterministic; returns an (height, width, 3) uint8 array.
    """
    colors = np.array(
        [[250, 250, 245], [30, 60, 140], [220, 70, 40], [40, 160, 90], [250, 200, 40], [20, 20, 20]], np.uint8
    )
    yy, xx = np.mgrid[0:height, 0:width]
    index = np.zeros((height, width), np.intp)
    index[(xx // 40) % 4 == 1] = 1
    index[(yy > height // 2) & ((xx // 40) % 4 == 3)] = 3
    index[(yy - height / 2) ** 2 + (xx - width / 2) ** 2 < (min(height, width) / 4) ** 2] = 2
    index[(yy < 30) & (xx > width // 3)] = 4
    index[(yy % 48 == 0) | (xx % 64 == 0)] = 5
    return colors[index]


def log_log_slopes(ks: Sequence[float], values: Sequence[float]) -> tuple[np.ndarray, float]:
    """Slopes of ``log(values)`` against ``log(ks)``: between consecutive points, and fitted.

    A power law ``value ∝ K^s`` is a straight line of slope ``s`` on log-log axes: then every
    local slope equals the fitted one.

    Parameters
    ----------
    ks : sequence of float, increasing, positive
    values : sequence of float, positive, one per K

    Returns
    -------
    local : ndarray of shape (len(ks) - 1,)
        ``Δlog(value) / Δlog(K)`` between neighbours.
    fitted : float
        The least-squares slope through all points.

    Examples
    --------
    >>> local, fitted = log_log_slopes([1, 2, 4], [1.0, 0.5, 0.25])
    >>> local.tolist(), round(fitted, 6)
    ([-1.0, -1.0], -1.0)
    """
    x = np.log(np.asarray(ks, dtype=np.float64))
    y = np.log(np.asarray(values, dtype=np.float64))
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"need at least two K with one value each, got {x.size} K and {y.size} values")
    return np.diff(y) / np.diff(x), float(np.polyfit(x, y, 1)[0])


def clustercompress_kmeans(
    image: np.ndarray, k: int, *, seed: int = 0, max_iter: int = 100, epsilon: float = 1e-6
) -> tuple[np.ndarray, np.ndarray, int]:
    """The second report's k-means as its README describes it, in plain NumPy on every pixel.

    Pixels scaled to [0, 1]; the first centre a pixel drawn uniformly; each next centre a
    pixel drawn with probability proportional to its squared distance to the nearest centre
    so far (plain k-means++, one candidate per step); then Lloyd — every pixel to its nearest
    centre, each centre to the mean of its pixels (an empty cluster keeps its centre) — until
    the centres move less than ``epsilon`` (Frobenius norm) or ``max_iter`` iterations. The
    defaults are those of the report's published code. Nothing is shared with
    :mod:`kmeans_lab.cluster`, so it is an independent check of :func:`kmeans_lab.quantize`.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    k : int
    seed : int, default 0
    max_iter : int, default 100
    epsilon : float, default 1e-6

    Returns
    -------
    centres : ndarray of shape (k, 3), float64, on the [0, 1] scale
    labels : ndarray of shape (H, W), intp
        Each pixel's nearest centre.
    n_iter : int
        Lloyd iterations run.

    Notes
    -----
    Cost O(H·W·k) per iteration and for the seeding.

    Examples
    --------
    >>> image = np.array([[[0, 0, 0], [10, 10, 10], [250, 250, 250], [240, 240, 240]]], np.uint8)
    >>> centres, labels, _ = clustercompress_kmeans(image, 2)
    >>> np.rint(np.sort(centres[:, 0]) * 255).tolist(), bool(labels[0, 0] == labels[0, 1] != labels[0, 2])
    ([5.0, 245.0], True)
    """
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3) / 255.0
    n = len(pixels)
    if not 1 <= k <= n:
        raise ValueError(f"k={k} should be between 1 and the image's {n} pixels")
    rng = np.random.default_rng(seed)
    norms = np.einsum("ij,ij->i", pixels, pixels)

    def squared_distances(centres: np.ndarray) -> np.ndarray:
        d = pixels @ centres.T
        d *= -2.0
        d += norms[:, None]
        d += np.einsum("ij,ij->i", centres, centres)[None, :]
        return np.maximum(d, 0.0, out=d)

    centres = np.empty((k, 3), dtype=np.float64)
    centres[0] = pixels[rng.integers(n)]
    closest = squared_distances(centres[:1])[:, 0]
    for i in range(1, k):
        total = closest.sum()
        if total <= 0.0:
            raise ValueError(f"k={k}: the image has only {i} distinct colours")
        centres[i] = pixels[rng.choice(n, p=closest / total)]
        np.minimum(closest, squared_distances(centres[i : i + 1])[:, 0], out=closest)

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        labels = np.argmin(squared_distances(centres), axis=1)
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=pixels[:, c], minlength=k) for c in range(3)], axis=1)
        updated = centres.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        moved = float(np.linalg.norm(updated - centres))
        centres = updated
        if moved < epsilon:
            break
    labels = np.argmin(squared_distances(centres), axis=1)
    return centres, labels.reshape(image.shape[:2]), n_iter


def color_name(rgb: Sequence[int]) -> str:
    """A coarse English name of an sRGB colour, from its hue, lightness and saturation (HLS).

    Black (lightness < 0.12) and white (> 0.93); greys (saturation < 0.2), "light" above
    lightness 0.65 and "dark" below 0.35; otherwise a hue name — red, orange, yellow, green,
    cyan, blue, purple, pink — with "light" or "dark" by the same thresholds. Enough to check a
    sentence such as "the largest cluster is a light grey" in code, no more.

    Examples
    --------
    >>> [color_name(c) for c in ([5, 2, 2], [208, 198, 194], [216, 101, 64], [40, 30, 120])]
    ['black', 'light grey', 'orange', 'dark blue']
    """
    r, g, b = (float(v) / 255.0 for v in rgb)
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if lightness < 0.12:
        return "black"
    if lightness > 0.93:
        return "white"
    shade = "light " if lightness > 0.65 else "dark " if lightness < 0.35 else ""
    if saturation < 0.2:
        return f"{shade}grey"
    degrees = hue * 360.0
    for upper, name in ((12, "red"), (42, "orange"), (70, "yellow"), (165, "green"), (195, "cyan"), (255, "blue")):
        if degrees < upper:
            return shade + name
    return shade + ("purple" if degrees < 290 else "pink" if degrees < 345 else "red")


def palette_shares(palette: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Each palette colour with its share of the pixels, largest first.

    Parameters
    ----------
    palette : ndarray of shape (K, 3), uint8
    labels : ndarray of int, any shape
        Each pixel's palette index.

    Returns
    -------
    DataFrame
        Index ``entry`` (palette index), columns ``rgb`` (hex ``#rrggbb``), ``share`` (of the
        pixels), ``name`` (:func:`color_name`), sorted by ``share`` descending.
    """
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    counts = np.bincount(np.asarray(labels).ravel(), minlength=len(palette))
    frame = pd.DataFrame(
        {
            "rgb": ["#{:02x}{:02x}{:02x}".format(*c) for c in palette.tolist()],
            "share": counts / counts.sum(),
            "name": [color_name(c) for c in palette],
        }
    ).rename_axis("entry")
    return frame.sort_values("share", ascending=False, kind="stable")


def psnr_at_bpp(bpp: Sequence[float], psnr: Sequence[float], at: float | Sequence[float]) -> np.ndarray:
    """PSNR of a rate–distortion curve at other rates: linear in log(bits per pixel), NaN outside.

    Parameters
    ----------
    bpp, psnr : sequence of float
        The curve's points (e.g. JPEG at each quality), in any order.
    at : float or sequence of float
        Rates to read the curve at.

    Returns
    -------
    ndarray
        One PSNR per rate of ``at``; NaN outside the curve's range of rates (no extrapolation).

    Examples
    --------
    >>> psnr_at_bpp([1, 4], [30, 40], [2, 8]).tolist()
    [35.0, nan]
    """
    x = np.log(np.asarray(bpp, dtype=np.float64))
    y = np.asarray(psnr, dtype=np.float64)
    order = np.argsort(x)
    x, y = x[order], y[order]
    where = np.log(np.atleast_1d(np.asarray(at, dtype=np.float64)))
    out = np.interp(where, x, y)
    out[(where < x[0]) | (where > x[-1])] = np.nan
    return out


def jpeg_gap(rows: pd.DataFrame, method: str = "kmeans_lab", reference: str = "jpeg") -> pd.DataFrame:
    """A palette method's PSNR against JPEG's (or another method's) at the same bits per pixel, per image and K.

    Parameters
    ----------
    rows : DataFrame
        Rate–distortion rows: columns ``image``, ``method``, ``k``, ``bpp``, ``psnr``; JPEG's
        rows have ``method == "jpeg"``.
    method : str, default "kmeans_lab"
    reference : str, default "jpeg"
        The method whose curve (over its qualities or its K) is read at ``method``'s rates.

    Returns
    -------
    DataFrame
        Index (image, k); columns ``bpp`` and ``psnr`` of ``method``, ``jpeg_psnr`` (the
        reference's curve read at that rate by :func:`psnr_at_bpp`; NaN outside its range of
        rates) and ``gap`` = ``psnr − jpeg_psnr`` in dB (positive: ``method`` is ahead).
    """
    out = []
    for image, part in rows.groupby("image", sort=False):
        jpeg = part[part["method"] == reference]
        ours = part[part["method"] == method].sort_values("k")
        at = psnr_at_bpp(jpeg["bpp"], jpeg["psnr"], ours["bpp"].to_numpy())
        out.append(
            pd.DataFrame(
                {
                    "image": image,
                    "k": ours["k"].astype(int).to_numpy(),
                    "bpp": ours["bpp"].to_numpy(),
                    "psnr": ours["psnr"].to_numpy(),
                    "jpeg_psnr": at,
                    "gap": ours["psnr"].to_numpy() - at,
                }
            )
        )
    return pd.concat(out, ignore_index=True).set_index(["image", "k"])


def image_overview(images: dict[str, np.ndarray]) -> pd.DataFrame:
    """Each image's size, distinct colours and 24-bit PNG (the reference a palette PNG is measured against).

    Returns
    -------
    DataFrame
        Index ``image``; columns ``size`` ("WxH"), ``distinct colours``, ``png24 bytes``
        (Pillow, ``optimize=True``) and ``png24 bpp``.
    """
    rows = []
    for name, image in images.items():
        n_bytes = png24_bytes(image)
        rows.append(
            {
                "image": name,
                "size": f"{image.shape[1]}x{image.shape[0]}",
                "distinct colours": len(distinct_colors(image)[0]),
                "png24 bytes": n_bytes,
                "png24 bpp": bits_per_pixel(image, n_bytes),
            }
        )
    return pd.DataFrame(rows).set_index("image")


#: The photographs and K of the perceptual comparison (:func:`perceptual_rows`, ``figures/compression_perceptual.csv``).
PERCEPTUAL_IMAGES = ("chelsea.png", "coffee.png", "rocket.jpg")
PERCEPTUAL_KS = (64, 256)


def seen_quality(image: np.ndarray, written: np.ndarray) -> dict:
    """What people see: SSIMULACRA2 and the mean FLIP error of ``written`` against ``image``.

    Parameters
    ----------
    image, written : ndarray of shape (H, W, 3), uint8
        The original and the image as decoded from the file.

    Returns
    -------
    dict
        ``ssimulacra2`` (the ``ssimulacra2`` package; 100 for identical images, higher is
        better, about 70 "high quality" and 90 "visually lossless" on its scale) and ``flip``
        (NVIDIA's ꟻLIP, ``flip_evaluator``, LDR at 67 pixels per degree: the mean per-pixel
        error, 0 for identical images, lower is better).
    """
    import tempfile

    import flip_evaluator
    from ssimulacra2 import compute_ssimulacra2

    with tempfile.TemporaryDirectory() as folder:
        paths = [str(Path(folder) / name) for name in ("original.png", "written.png")]
        for path, pixels in zip(paths, (image, written)):
            Image.fromarray(pixels, "RGB").save(path)
        score = compute_ssimulacra2(*paths)
    _, flip, _ = flip_evaluator.evaluate(
        image.astype(np.float32) / 255, written.astype(np.float32) / 255, "LDR", applyMagma=False
    )
    return {"ssimulacra2": float(score), "flip": float(flip)}


def _imagequant_labels(image: np.ndarray, k: int, dithering: float) -> tuple[np.ndarray, np.ndarray]:
    import imagequant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # imagequant 1.1 calls Pillow's Image.getdata
        rgba = Image.fromarray(image, "RGB").convert("RGBA")
        out = imagequant.quantize_pil_image(rgba, dithering_level=dithering, max_colors=k)
    return palette_of(np.asarray(out.convert("RGB")))


def perceptual_rows(image: np.ndarray, ks: Iterable[int] = PERCEPTUAL_KS, *, seed: int = 0) -> list[dict]:
    """kmeans_lab in sRGB and in Oklab (undithered and with its diffusion) and libimagequant, on what people see.

    Every output is measured as the palette PNG it is written as: ``method``, ``k``,
    :func:`measure`'s size and error columns (no SSIM or ΔE) and :func:`seen_quality`'s
    ``ssimulacra2`` and ``flip``. The methods: ``kmeans_lab sRGB`` (``color_space="rgb"``),
    ``kmeans_lab Oklab`` (the default), ``kmeans_lab Oklab, diffusion`` (the default with
    ``dither=True``), ``libimagequant`` (``dithering_level=0``) and ``libimagequant, dithered``
    (``dithering_level=1``, pngquant's default).

    Notes
    -----
    About a second per output for the two metrics on a 640×427 image (2 cores), so the
    report reads the table from ``figures/compression_perceptual.csv``, written by
    ``python -m kmeans_lab.lab.compare``.
    """
    histogram = ColorHistogram.from_image(image)
    rows = []
    for k in ks:
        srgb = fit_palette(histogram, k, seed=seed, color_space="rgb")
        oklab = fit_palette(histogram, k, seed=seed)
        outputs = {
            "kmeans_lab sRGB": (srgb.colors, apply_palette(image, srgb).labels),
            "kmeans_lab Oklab": (oklab.colors, apply_palette(image, oklab).labels),
            "kmeans_lab Oklab, diffusion": (oklab.colors, apply_palette(image, oklab, dither=True).labels),
            "libimagequant": _imagequant_labels(image, k, 0.0),
            "libimagequant, dithered": _imagequant_labels(image, k, 1.0),
        }
        for method, (colors, labels) in outputs.items():
            written = expand(colors, labels)
            n_bytes = palette_png_bytes(colors, labels)
            rows.append(
                {
                    "method": method,
                    "k": k,
                    **measure(image, written, n_bytes, perceptual=False),
                    **seen_quality(image, written),
                }
            )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kmeans_lab.lab.compare``: the perceptual table of notebook 03.

    Runs :func:`perceptual_rows` on the photographs of :data:`PERCEPTUAL_IMAGES` (or those
    named) at :data:`PERCEPTUAL_KS` and writes ``figures/compression_perceptual.csv`` (rounded
    to 4 significant digits, as :func:`save_table`). About two minutes on 2 cores.
    """
    import argparse

    from ..image import read_image
    from .paths import data_images

    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.lab.compare", description=main.__doc__)
    parser.add_argument("images", nargs="*", default=list(PERCEPTUAL_IMAGES), help="file names in data/")
    parser.add_argument("-k", type=int, nargs="+", default=list(PERCEPTUAL_KS), help="the K to measure")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", default="compression_perceptual.csv", help="file name under figures/")
    args = parser.parse_args(argv)
    paths = {p.name: p for p in data_images()}
    rows = []
    for name in args.images:
        start = time.perf_counter()
        rows += [{"image": name, **row} for row in perceptual_rows(read_image(paths[name]), args.k, seed=args.seed)]
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)
    print(save_table(pd.DataFrame(rows), args.csv))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
