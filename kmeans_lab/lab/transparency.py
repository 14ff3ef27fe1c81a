"""RGBA comparisons for the report: transparent versions of the photographs, and the quantizers that keep alpha.

The bundled photographs are opaque; :func:`vignette` and :func:`cutout` give each the two
kinds of transparency palette PNGs are made for — a soft circular fade to fully transparent
(shadows, glows, antialiased edges) and a hard-edged cut-out (an icon or a product on a
transparent background). :func:`rgba_rows` quantizes one RGBA image with kmeans_lab,
libimagequant and Pillow's fast octree, and measures each output as the palette PNG with
``tRNS`` that kmeans_lab writes (the same encoder for all, so the bytes compare the
quantization, not the PNG writer), with the RGBA MSE of :mod:`kmeans_lab.metrics`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np

from ..histogram import distinct_colors
from ..metrics import bits_per_pixel, mse, palette_png_bytes, png24_bytes, psnr_from_mse
from ..quantization import quantize
from .contenders import RGBA_CONTENDERS, available_contenders

__all__ = ["RGBA_KS", "RGBA_METHODS", "SHAPES", "vignette", "cutout", "rgba_rows", "on_checkerboard"]

#: The K of the RGBA comparison.
RGBA_KS = (16, 64, 256)
#: The quantizers compared, by their names in :data:`kmeans_lab.lab.contenders.RGBA_CONTENDERS`.
RGBA_METHODS = ("kmeans_lab", "imagequant", "pillow_fastoctree")


def _polar(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Radius (1 on the ellipse inscribed in the image) and angle of each pixel centre."""
    yy, xx = np.mgrid[0:height, 0:width]
    dy = (yy + 0.5 - height / 2) / (height / 2)
    dx = (xx + 0.5 - width / 2) / (width / 2)
    return np.hypot(dy, dx), np.arctan2(dy, dx)


def vignette(image: np.ndarray, *, fade: float = 0.45) -> np.ndarray:
    """``image`` with a soft circular alpha: opaque inside radius ``1 − fade``, 0 from the inscribed ellipse on.

    Alpha falls linearly along the radius (radius 1 on the ellipse inscribed in the image).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    fade : float, default 0.45
        Width of the ramp as a fraction of the half-axes.

    Returns
    -------
    ndarray of shape (H, W, 4), uint8
        For the default ``fade`` 21.5 % of the pixels are fully transparent (the corners,
        1 − π/4), 24 % opaque (π·0.55²/4) and the rest translucent.
    """
    radius, _ = _polar(*image.shape[:2])
    alpha = np.rint(np.clip((1.0 - radius) / fade, 0.0, 1.0) * 255).astype(np.uint8)
    return np.dstack([image, alpha])


def cutout(image: np.ndarray) -> np.ndarray:
    """``image`` cut out along a five-petal outline with hard edges: alpha 255 inside, 0 outside.

    The outline, radius ``0.7 + 0.2·cos 5θ`` of the half-axes, is not convex, so the
    transparent area (60 % of the pixels) reaches into the picture as an icon's or a
    product photograph's does.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    ndarray of shape (H, W, 4), uint8
    """
    radius, angle = _polar(*image.shape[:2])
    inside = radius < 0.7 + 0.2 * np.cos(5 * angle)
    return np.dstack([image, np.where(inside, 255, 0).astype(np.uint8)])


#: The transparent versions of a photograph, by name.
SHAPES = {"vignette": vignette, "cutout": cutout}


def rgba_rows(
    rgba: np.ndarray,
    ks: Iterable[int] = RGBA_KS,
    names: Sequence[str] = RGBA_METHODS,
    *,
    seed: int = 0,
    **fit_options,
) -> list[dict]:
    """Each quantizer at each K on one RGBA image, measured as a palette PNG with ``tRNS``.

    Parameters
    ----------
    rgba : ndarray of shape (H, W, 4), uint8
    ks : iterable of int
    names : sequence of str
        Keys of :data:`kmeans_lab.lab.contenders.RGBA_CONTENDERS`; those not installed are skipped.
    seed : int, default 0
    **fit_options
        :class:`kmeans_lab.KMeansOptions` fields for kmeans_lab (e.g. ``color_space="rgb"``).

    Returns
    -------
    list of dict
        One per (method, K): ``method``, ``k``, ``colors`` (distinct visible colours of the
        output, all fully transparent pixels counting as one), ``transparent_kept`` (every
        fully transparent pixel still fully transparent), ``bytes``, ``bpp``, ``ratio``
        (32-bit RGBA PNG bytes / palette PNG bytes), ``mse`` (RGBA), ``psnr`` and
        ``seconds`` (one run of the quantizer).
    """
    runnable, _ = available_contenders(list(names))
    png32 = png24_bytes(rgba)
    transparent = rgba[..., 3] == 0
    rows = []
    for name in runnable:
        for k in ks:
            start = time.perf_counter()
            if name == "kmeans_lab" and fit_options:
                out = quantize(rgba, k, seed=seed, **fit_options).image
            else:
                out = RGBA_CONTENDERS[name](rgba, k, seed)
            seconds = time.perf_counter() - start
            colors, _, inverse = distinct_colors(out)
            n_bytes = palette_png_bytes(colors, inverse.astype(np.uint8).reshape(out.shape[:2]))
            error = mse(rgba, out)
            rows.append(
                {
                    "method": name,
                    "k": k,
                    "colors": len(colors),
                    "transparent_kept": bool((out[transparent, 3] == 0).all()),
                    "bytes": n_bytes,
                    "bpp": bits_per_pixel(rgba, n_bytes),
                    "ratio": png32 / n_bytes,
                    "mse": error,
                    "psnr": psnr_from_mse(error),
                    "seconds": seconds,
                }
            )
    return rows


def on_checkerboard(rgba: np.ndarray, *, square: int = 8, shades: tuple[int, int] = (204, 153)) -> np.ndarray:
    """An RGBA image composited on a checkerboard, as image editors show transparency.

    Parameters
    ----------
    rgba : ndarray of shape (H, W, 4), uint8
    square : int, default 8
        Side of the checkerboard's squares, pixels.
    shades : (int, int), default (204, 153)
        The grey levels of the squares: light and mid grey by default; (0, 0) is a black
        page, where a faint haze over transparent pixels shows.

    Returns
    -------
    ndarray of shape (H, W, 3), uint8
    """
    h, w = rgba.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    board = np.where((yy // square + xx // square) % 2 == 0, float(shades[0]), float(shades[1]))[..., None]
    alpha = rgba[..., 3:].astype(np.float64) / 255.0
    return np.rint(rgba[..., :3] * alpha + board * (1.0 - alpha)).astype(np.uint8)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kmeans_lab.lab.transparency``: the RGBA comparison on every photograph of ``data/``.

    Prints each (image, K) case's MSE per quantizer with kmeans_lab's ratio to the best other
    (below 1: kmeans_lab lower), and the cases where a fully transparent pixel was made
    visible. Notebook 05 runs the same on three small photographs; all seven take minutes.
    """
    import argparse

    import pandas as pd

    from ..image import read_image
    from .compare import round_sig, target_table
    from .paths import data_images

    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.lab.transparency", description=main.__doc__)
    parser.add_argument("images", nargs="*", help="file names in data/ (default: all)")
    parser.add_argument("-k", type=int, nargs="+", default=list(RGBA_KS), help="the K to measure")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--color-space", default="rgb", help="kmeans_lab's clustering space (default: rgb)")
    parser.add_argument("--csv", help="also write every row to this CSV file")
    args = parser.parse_args(argv)
    rows = []
    for path in data_images():
        if args.images and path.name not in args.images:
            continue
        image = read_image(path)
        for shape, make in SHAPES.items():
            start = time.perf_counter()
            measured = rgba_rows(make(image), args.k, seed=args.seed, color_space=args.color_space)
            rows += [{"image": f"{path.name} {shape}", **row} for row in measured]
            print(f"{path.name} {shape}: {time.perf_counter() - start:.1f} s", flush=True)
    table = pd.DataFrame(rows)
    if args.csv:
        table.to_csv(args.csv, index=False)
    targets = target_table(table)
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 20):
        print(round_sig(targets))
    print(f"kmeans_lab lowest in {int((targets['kmeans_vs_best'] < 1).sum())} of {len(targets)} cases")
    lost = table[~table["transparent_kept"]]
    for row in lost.itertuples():
        print(f"{row.method}: fully transparent pixels made visible in {row.image} at K={row.k}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
