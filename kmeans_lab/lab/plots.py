"""Every figure of the report and the benchmark. Each function returns the matplotlib Figure;
save it with :func:`save_figure`, which writes under ``figures/`` whatever the working directory.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot's
global state, so they work on any backend and switch none (Agg included) and need no
closing. In a notebook (after ``%matplotlib inline``), a returned Figure displays as the
cell's result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .paths import figures_dir

__all__ = [
    "save_figure",
    "image_grid",
    "mse_vs_k",
    "runtime_vs_k",
    "palette_swatches",
    "rate_distortion_figure",
    "crops_figure",
    "scaling_figure",
    "histogram_growth_figure",
    "flicker_figure",
]


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, name: str | Path, *, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>`` (PNG unless ``name`` has another suffix); return the path.

    An absolute ``name`` is used as it is (the benchmark's ``--out`` folder).
    """
    path = figures_dir() / name
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed timestamp-free metadata block keeps regenerated PNGs byte-identical.
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def image_grid(
    original: np.ndarray,
    panels: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    original_title: str = "original",
    ncols: int | None = None,
    panel_width: float = 3.2,
) -> Figure:
    """The original image and one panel per quantized version, side by side.

    Parameters
    ----------
    original : ndarray of shape (H, W, 3), uint8
    panels : sequence of ndarray of shape (H, W, 3), uint8
        Typically one per K.
    titles : sequence of str, one per panel
        E.g. ``"K=5, in_pixels\\n0.41 s, MSE 0.0041"``.
    ncols : int, optional
        Panels per row, the original included; default all on one row.

    Returns
    -------
    Figure
        ``1 + len(panels)`` image axes (unused grid cells are removed).
    """
    if len(panels) != len(titles):
        raise ValueError(f"{len(panels)} panels but {len(titles)} titles")
    n = 1 + len(panels)
    ncols = n if ncols is None else max(1, int(ncols))
    nrows = -(-n // ncols)
    h, w = np.asarray(original).shape[:2]
    fig = _figure(panel_width * ncols, panel_width * h / w * nrows + 0.6 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, img, title in zip(axes, [original, *panels], [original_title, *titles]):
        ax.imshow(img, interpolation="antialiased")
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    for ax in axes[n:]:
        fig.delaxes(ax)
    return fig


def _lines(ax, data, y: str, x: str, by: str | None, marker: str = "o") -> None:
    """Plot ``data[y]`` against ``data[x]``, one line per value of ``data[by]``."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    groups = frame.groupby(by, sort=False) if by else [(None, frame)]
    for label, part in groups:
        part = part.sort_values(x)
        ax.plot(part[x], part[y], marker=marker, label=None if label is None else str(label))


def mse_vs_k(
    data,
    *,
    x: str = "k",
    y: str = "mse",
    by: str | None = None,
    psnr_axis: bool = True,
    logy: bool = True,
    title: str | None = None,
) -> Figure:
    """MSE (on the [0, 1] scale) against K, one line per group, with PSNR on a second axis.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (MSE) and optionally ``by`` (e.g. image or init).
    psnr_axis : bool, default True
        Add a right-hand axis in dB, ``PSNR = -10 log10(MSE)`` (the same curve read in dB).
    logy : bool, default True

    Returns
    -------
    Figure
        One axes; with ``psnr_axis`` it holds the PSNR axis as its child axes.
    """
    fig = _figure(6.4, 4.2)
    ax = fig.add_subplot()
    _lines(ax, data, y, x, by)
    ax.set_xlabel("K (colours)")
    ax.set_ylabel("MSE ([0, 1] scale)")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    if psnr_axis:

        def to_db(m):
            return -10.0 * np.log10(np.clip(m, 1e-12, None))

        def from_db(d):
            return 10.0 ** (-np.asarray(d) / 10.0)

        second = ax.secondary_yaxis("right", functions=(to_db, from_db))
        second.set_ylabel("PSNR (dB)")
    if by:
        ax.legend(fontsize=8, title=by)
    if title:
        ax.set_title(title)
    return fig


def runtime_vs_k(
    data,
    *,
    x: str = "k",
    y: str = "seconds",
    by: str | None = None,
    logy: bool = True,
    title: str | None = None,
) -> Figure:
    """Runtime in seconds against K, one line per group (e.g. algorithm and init).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (seconds) and optionally ``by``.

    Returns
    -------
    Figure
        One axes.
    """
    fig = _figure(6.4, 4.2)
    ax = fig.add_subplot()
    _lines(ax, data, y, x, by)
    ax.set_xlabel("K (colours)")
    ax.set_ylabel("seconds")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    if by:
        ax.legend(fontsize=8, title=by)
    if title:
        ax.set_title(title)
    return fig


def palette_swatches(palettes: Mapping[str, np.ndarray] | Sequence[np.ndarray]) -> Figure:
    """One row of colour swatches per palette.

    Parameters
    ----------
    palettes : mapping of label to ndarray of shape (K, 3), uint8, or a sequence of such arrays

    Returns
    -------
    Figure
        One axes per palette, titled with its label.
    """
    items = list(palettes.items()) if isinstance(palettes, Mapping) else [(f"K={len(p)}", p) for p in palettes]
    if not items:
        raise ValueError("no palettes to draw")
    fig = _figure(7.0, 0.75 * len(items) + 0.2)
    axes = fig.subplots(len(items), 1, squeeze=False).ravel()
    for ax, (label, palette) in zip(axes, items):
        colours = np.asarray(palette, dtype=np.uint8).reshape(1, -1, 3)
        ax.imshow(colours, aspect="auto", interpolation="nearest")
        ax.set_title(str(label), fontsize=9, loc="left")
        ax.set_axis_off()
    return fig


_STYLE = {
    "kmeans_lab": {"color": "C3", "marker": "o", "lw": 2.2},
    "pillow_mediancut": {"color": "C0", "marker": "s"},
    "pillow_maxcoverage": {"color": "C1", "marker": "^"},
    "pillow_fastoctree": {"color": "C2", "marker": "v"},
    "imagequant": {"color": "C4", "marker": "D"},
    "jpeg": {"color": "k", "marker": ".", "ls": "--"},
}


def rate_distortion_figure(rows: pd.DataFrame, *, ncols: int = 3) -> Figure:
    """PSNR against bits per pixel, one panel per image, one line per method.

    Parameters
    ----------
    rows : DataFrame
        Columns ``image``, ``method``, ``bpp``, ``psnr``.

    Returns
    -------
    Figure
        One axes per image (unused grid cells removed), a shared legend below.
    """
    images = list(dict.fromkeys(rows["image"]))
    nrows = -(-len(images) // ncols)
    fig = _figure(4.2 * ncols, 3.4 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, images):
        part = rows[rows["image"] == name]
        for method, group in part.groupby("method", sort=False):
            group = group.sort_values("bpp")
            ax.plot(group["bpp"], group["psnr"], label=method, ms=4, **_STYLE.get(method, {}))
        ax.set_xscale("log", base=2)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(images) :]:
        fig.delaxes(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8, frameon=False)
    return fig


def crops_figure(
    panels: Sequence[tuple[str, np.ndarray]], box: tuple[int, int, int, int], *, zoom_note: str = ""
) -> Figure:
    """The same crop of several images side by side, enlarged without smoothing.

    Parameters
    ----------
    panels : sequence of (title, ndarray of shape (H, W, 3) uint8)
    box : (top, left, height, width)
        The crop, in pixels.
    zoom_note : str, optional
        A title over all panels.

    Returns
    -------
    Figure
        One axes per panel.
    """
    top, left, height, width = box
    fig = _figure(3.2 * len(panels), 3.2 * height / width + 0.9)
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    for ax, (title, image) in zip(axes, panels):
        ax.imshow(image[top : top + height, left : left + width], interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if zoom_note:
        fig.suptitle(zoom_note, fontsize=10)
    return fig


def scaling_figure(table: pd.DataFrame) -> Figure:
    """Two log-log panels: seconds against megapixels, seconds against K.

    Parameters
    ----------
    table : DataFrame
        :func:`kmeans_lab.lab.scaling.run_scaling`'s rows.

    Returns
    -------
    Figure
        Two axes.
    """
    fig = _figure(9, 3.6)
    left, right = fig.subplots(1, 2)
    px = table[table.study == "pixels"]
    left.loglog(px.pixels / 1e6, px.seconds, "o-")
    left.set(xlabel="megapixels", ylabel="seconds (median)", title=f"time vs image size (K={int(px.k.iloc[0])})")
    ks = table[table.study == "k"]
    right.loglog(ks.k, ks.seconds, "o-", base=2)
    right.set(xlabel="K", ylabel="seconds (median)", title=f"time vs K ({ks.pixels.iloc[0] / 1e6:.2f} MP)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    return fig


def histogram_growth_figure(table: pd.DataFrame) -> Figure:
    """Distinct colours of a collection's histogram, and its pixels, against the number of images merged.

    Parameters
    ----------
    table : DataFrame
        Columns ``frames``, ``pixels``, ``colours`` (:func:`kmeans_lab.lab.animations.histogram_growth`).

    Returns
    -------
    Figure
        One log-log axes: a line for the pixels, one for the distinct colours.
    """
    fig = _figure(5.6, 3.8)
    ax = fig.subplots()
    ax.loglog(table["frames"], table["pixels"], "o-", ms=3, color="0.5", label="pixels", base=2)
    ax.loglog(table["frames"], table["colours"], "o-", ms=3, color="C3", label="distinct colours (histogram)", base=2)
    ax.set(xlabel="frames merged", ylabel="count", title="The histogram grows slower than the pixels")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def flicker_figure(source: tuple[np.ndarray, np.ndarray], shown: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Where two consecutive frames flicker: static source pixels whose shown colour changed.

    Parameters
    ----------
    source : (ndarray, ndarray) of shape (H, W, 3), uint8
        Two consecutive source frames.
    shown : mapping of title to (ndarray, ndarray)
        The same two frames as each method shows them.

    Returns
    -------
    Figure
        The first source frame, then one panel per method: red where a static pixel changed,
        black where it kept its colour, grey where the source itself changed.
    """
    a, b = source
    static = np.all(a == b, axis=2)
    fig = _figure(2.6 * (1 + len(shown)), 2.6 * a.shape[0] / a.shape[1] + 0.6)
    axes = fig.subplots(1, 1 + len(shown), squeeze=False).ravel()
    axes[0].imshow(a, interpolation="nearest")
    axes[0].set_title("source frame", fontsize=9)
    for ax, (title, (x, y)) in zip(axes[1:], shown.items()):
        changed = np.any(x != y, axis=2)
        picture = np.full(a.shape, 200, np.uint8)
        picture[static & ~changed] = 0
        picture[static & changed] = (220, 30, 30)
        ax.imshow(picture, interpolation="nearest")
        share = (static & changed).sum() / max(static.sum(), 1)
        ax.set_title(f"{title}\n{share:.0%} of static pixels changed", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
