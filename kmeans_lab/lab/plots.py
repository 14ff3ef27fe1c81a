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
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator, StrMethodFormatter

from .paths import figures_dir

__all__ = [
    "save_figure",
    "image_grid",
    "mse_vs_k",
    "mse_spread_vs_k",
    "runtime_vs_k",
    "palette_swatches",
    "rate_distortion_figure",
    "crops_figure",
    "scaling_figure",
    "histogram_growth_figure",
    "flicker_figure",
    "image_table",
    "image_panel_widths",
    "mse_vs_k_loglog",
    "marked_crops_figure",
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


def _lines(ax, data, y: str, x: str, by: str | None, marker: str = "o", band: bool = False) -> None:
    """Plot ``data[y]`` against ``data[x]``, one line per value of ``data[by]``.

    Where a group has several rows at one ``x`` (repeats over seeds), the line joins their
    medians and, if ``band``, a shaded band of the line's colour spans their minimum to maximum.
    """
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    groups = frame.groupby(by, sort=False) if by else [(None, frame)]
    for i, (label, part) in enumerate(groups):
        stats = part.groupby(x, sort=True)[y].agg(["median", "min", "max", "size"])
        style = _GROUP_STYLES[i % len(_GROUP_STYLES)] if by else {"marker": marker}
        (line,) = ax.plot(stats.index, stats["median"], label=None if label is None else str(label), **style)
        if band and (stats["size"] > 1).any():
            ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.2, lw=0)


def _plain_ticks(axis, values=None) -> None:
    """Ticks labelled as plain numbers ("20", "0.5"), never "2×10¹"; at ``values`` if given."""
    if values is not None:
        axis.set_major_locator(FixedLocator(sorted(set(float(v) for v in values))))
        axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(StrMethodFormatter(""))


def _psnr_axis(ax) -> None:
    """A right-hand axis reading the MSE axis in dB (``PSNR = -10 log10(MSE)``), plain dB ticks."""

    def to_db(m):
        return -10.0 * np.log10(np.clip(m, 1e-12, None))

    def from_db(d):
        return 10.0 ** (-np.asarray(d) / 10.0)

    second = ax.secondary_yaxis("right", functions=(to_db, from_db))
    second.set_ylabel("PSNR (dB)")
    second.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    second.yaxis.set_minor_locator(NullLocator())
    second.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))


def mse_vs_k(
    data,
    *,
    x: str = "k",
    y: str = "mse",
    by: str | None = None,
    psnr_axis: bool = True,
    logy: bool = True,
    logx: bool = False,
    band: bool = True,
    title: str | None = None,
) -> Figure:
    """MSE (on the [0, 1] scale) against K, one line per group, with PSNR on a second axis.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (MSE) and optionally ``by`` (e.g. image or init). Several
        rows per group and K (one per seed) are drawn as their median with a min–max band.
    psnr_axis : bool, default True
        Add a right-hand axis in dB, ``PSNR = -10 log10(MSE)`` (the same curve read in dB),
        ticked in plain dB numbers.
    logy : bool, default True
    logx : bool, default False
        Log K axis, ticked at the K of the data: with ``logy`` a power law ``MSE ∝ K^s`` is a
        straight line of slope ``s``.
    band : bool, default True
        Shade the min–max band of repeated rows.

    Returns
    -------
    Figure
        One axes; with ``psnr_axis`` it holds the PSNR axis as its child axes.
    """
    fig = _figure(6.4, 4.2)
    ax = fig.add_subplot()
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    _lines(ax, frame, y, x, by, band=band)
    ax.set_xlabel("K (colours)" + (", log scale" if logx else ""))
    ax.set_ylabel("MSE ([0, 1] scale)" + (", log scale" if logy else ""))
    if logy:
        ax.set_yscale("log")
        _log_ticks_125(ax.yaxis)
    if logx:
        ax.set_xscale("log")
        _plain_ticks(ax.xaxis, frame[x])
    ax.grid(True, which="both", alpha=0.3)
    if psnr_axis:
        _psnr_axis(ax)  # after the scales: the secondary axis takes its scale from them
    if by:
        ax.legend(fontsize=10, title=by, title_fontsize=10)
    if title:
        ax.set_title(title)
    return fig


def runtime_vs_k(
    data,
    *,
    x: str = "k",
    y: str = "seconds",
    by: str | None = None,
    low: str | None = None,
    high: str | None = None,
    logy: bool = True,
    logx: bool = False,
    title: str | None = None,
    styles: Mapping[str, dict] | None = None,
) -> Figure:
    """Runtime in seconds against K, one line per group (e.g. algorithm and init).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (seconds, e.g. the median of repeats) and optionally ``by``,
        ``low`` and ``high``.
    low, high : str, optional
        Columns with the fastest and slowest run: drawn as a bar through each point.
    logy : bool, default True
    logx : bool, default False
        Log K axis, ticks at the K values of the data.
    styles : mapping of group label to dict, optional
        Keyword arguments of ``Axes.plot`` per group (e.g. ``{"ls": "--", "marker": "s"}``).

    Returns
    -------
    Figure
        One axes; a log seconds axis is labelled at 1, 2 and 5 times each power of ten
        (0.1, 0.2, 0.5, 1, …), the legend (10 pt) beside it.
    """
    fig = _figure(8.4, 4.4)
    ax = fig.add_subplot()
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    groups = frame.groupby(by, sort=False) if by else [(None, frame)]
    for label, part in groups:
        part = part.sort_values(x).dropna(subset=[y])
        style = {"marker": "o"} | dict((styles or {}).get(label, {}))
        line = ax.plot(part[x], part[y], label=None if label is None else str(label), **style)[0]
        if low and high:
            ax.vlines(part[x], part[low], part[high], color=line.get_color(), lw=3, alpha=0.45)
    ax.set_xlabel("K (colours)")
    ax.set_ylabel("seconds" + (", log scale" if logy else ""))
    if logy:
        ax.set_yscale("log")
        _log_ticks_125(ax.yaxis)
    if logx:
        _log_k_axis(ax, frame[x])
    ax.grid(True, which="both", alpha=0.3)
    if by:
        fig.legend(fontsize=10, title=by, title_fontsize=10, loc="outside right upper")
    if title:
        ax.set_title(title)
    return fig


def _log_k_axis(ax, ks) -> None:
    """A log K axis labelled at the K values themselves (3, 5, 7, 15, 30), not at powers of ten."""
    from matplotlib.ticker import NullFormatter

    ticks = sorted({int(k) for k in ks})
    ax.set_xscale("log")
    ax.set_xticks(ticks, [str(k) for k in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def _plain_number_ticks(axis) -> None:
    """Major ticks of a (log) axis labelled as plain numbers ("0.3", "20"), never "10⁻¹"; no minor labels."""
    from matplotlib.ticker import NullFormatter, StrMethodFormatter

    axis.set_major_formatter(StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(NullFormatter())


def palette_swatches(
    palettes: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    *,
    shares: Mapping[str, np.ndarray] | Sequence[np.ndarray] | None = None,
) -> Figure:
    """One row of colour swatches per palette.

    Parameters
    ----------
    palettes : mapping of label to ndarray of shape (K, 3), uint8, or a sequence of such arrays
    shares : mapping or sequence like ``palettes`` of ndarray of shape (K,), optional
        Each colour's share of the pixels. Given, the swatches are drawn largest first, each
        as wide as its share (a row spans all the pixels) and labelled with it where it is
        3.5 % or wider; otherwise in palette order, equal widths.

    Returns
    -------
    Figure
        One axes per palette, titled with its label.
    """
    items = list(palettes.items()) if isinstance(palettes, Mapping) else [(f"K={len(p)}", p) for p in palettes]
    if not items:
        raise ValueError("no palettes to draw")
    if shares is None:
        weights = [None] * len(items)
    else:
        weights = [shares[label] for label, _ in items] if isinstance(shares, Mapping) else list(shares)
        if len(weights) != len(items):
            raise ValueError(f"{len(items)} palettes but {len(weights)} arrays of shares")
    fig = _figure(7.0, 0.75 * len(items) + 0.2)
    axes = fig.subplots(len(items), 1, squeeze=False).ravel()
    for ax, (label, palette), share in zip(axes, items, weights):
        colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
        if share is None:
            ax.imshow(colours.reshape(1, -1, 3), aspect="auto", interpolation="nearest")
        else:
            share = np.asarray(share, dtype=np.float64).reshape(-1)
            if share.shape != (len(colours),):
                raise ValueError(f"{label}: {len(colours)} colours but {share.size} shares")
            order = np.argsort(-share, kind="stable")
            widths = share[order] / share.sum()
            starts = np.concatenate([[0.0], np.cumsum(widths)[:-1]])
            ax.broken_barh(list(zip(starts, widths)), (0, 1), facecolors=colours[order] / 255.0)
            for start, width, colour in zip(starts, widths, colours[order]):
                if width >= 0.035:  # room for "12%" at 9 pt
                    dark = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] < 128
                    ax.text(
                        start + width / 2,
                        0.5,
                        f"{width:.0%}",
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="white" if dark else "black",
                    )
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
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
#: The methods' names in words, for legends.
_NAMES = {
    "kmeans_lab": "k-means (kmeans_lab, sRGB)",
    "pillow_mediancut": "Pillow median cut",
    "pillow_maxcoverage": "Pillow max coverage",
    "pillow_fastoctree": "Pillow fast octree",
    "imagequant": "libimagequant",
    "jpeg": "JPEG, quality 10–95",
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
        One axes per image (unused grid cells removed), a shared legend below naming the
        methods in words; kmeans_lab's points are labelled with their K.
    """
    images = list(dict.fromkeys(rows["image"]))
    nrows = -(-len(images) // ncols)
    fig = _figure(4.2 * ncols, 3.4 * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, images):
        part = rows[rows["image"] == name]
        for method, group in part.groupby("method", sort=False):
            group = group.sort_values("bpp")
            ax.plot(group["bpp"], group["psnr"], label=_NAMES.get(method, method), ms=4, **_STYLE.get(method, {}))
            if method == "kmeans_lab" and "k" in group:
                for x, y, k in zip(group["bpp"], group["psnr"], group["k"]):
                    ax.annotate(f"{int(k)}", (x, y), xytext=(-4, 4), textcoords="offset points", ha="right", fontsize=8)
        ax.set_xscale("log", base=2)
        _plain_ticks(ax.xaxis)  # 0.25, 0.5, 1, 2, 4 rather than 2^-2 ... 2^2
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("bits per pixel (log scale)")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(images) :]:
        fig.delaxes(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=10, frameon=False)
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
    # Room for each panel's title lines and the note above them, so that none overlaps.
    title_lines = max((str(title).count("\n") + 1 for title, _ in panels), default=1)
    fig = _figure(3.2 * len(panels), 3.2 * height / width + 0.22 * title_lines + (0.45 if zoom_note else 0.15))
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    for ax, (title, image) in zip(axes, panels):
        ax.imshow(image[top : top + height, left : left + width], interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if zoom_note:
        fig.suptitle(zoom_note, fontsize=10)
    return fig


def mse_spread_vs_k(
    data, *, x: str = "k", y: str = "mse", by: str = "init", reference: str | None = None, title: str | None = None
) -> Figure:
    """MSE relative to a reference line, with the min–max band over repeats, one line per group.

    Where curves of several initialisers overlap on an MSE axis (they differ by a few per
    cent while K moves the MSE tenfold), this shows their differences and their spread over
    seeds: each row's MSE is divided by the reference group's median MSE at the same K.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (MSE) and ``by``; typically one row per group, K and seed.
    reference : str, optional
        The group the others are divided by; default the first group.

    Returns
    -------
    Figure
        One axes: ``100 · (MSE / reference median − 1)`` in per cent against K (log scale),
        the median line and a min–max band per group.
    """
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    groups = list(dict.fromkeys(frame[by]))
    reference = groups[0] if reference is None else reference
    if reference not in groups:
        raise ValueError(f"reference {reference!r} is not one of the groups {groups}")
    base = frame[frame[by] == reference].groupby(x)[y].median()
    relative = frame.assign(**{y: 100.0 * (frame[y] / frame[x].map(base).to_numpy() - 1.0)})
    fig = _figure(8.4, 3.8)
    ax = fig.add_subplot()
    _lines(ax, relative, y, x, by, band=True)
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_xscale("log")
    _plain_ticks(ax.xaxis, frame[x])
    ax.set_xlabel("K (colours), log scale")
    ax.set_ylabel(f"MSE above {reference}'s median (%)")
    ax.grid(True, which="both", alpha=0.3)
    fig.legend(fontsize=10, title=f"{by}\n(median, min–max band)", title_fontsize=10, loc="outside right upper")
    if title:
        ax.set_title(title)
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


def flicker_figure(
    source: tuple[np.ndarray, np.ndarray],
    shown: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    box: tuple[int, int, int, int] | None = None,
    ncols: int = 3,
) -> Figure:
    """Where two consecutive frames flicker: static source pixels whose shown colour changed.

    Parameters
    ----------
    source : (ndarray, ndarray) of shape (H, W, 3), uint8
        Two consecutive source frames.
    shown : mapping of title to (ndarray, ndarray)
        The same two frames as each method shows them.
    box : (top, left, height, width), optional
        Show only this window, enlarged (its outline is drawn on the source frame); the
        shares in the titles count the whole frame.
    ncols : int, default 3
        Panels per row.

    Returns
    -------
    Figure
        The first source frame, then one panel per method: red where a static pixel changed,
        dark grey where it kept its colour, white where the source itself changed.
    """
    from matplotlib.patches import Rectangle

    a, b = source
    static = np.all(a == b, axis=2)
    top, left, height, width = box if box is not None else (0, 0, *a.shape[:2])
    window = (slice(top, top + height), slice(left, left + width))
    n = 1 + len(shown)
    nrows = -(-n // ncols)
    fig = _figure(4.0 * ncols, (4.0 * height / width + 0.5) * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    axes[0].imshow(a, interpolation="nearest")
    if box is not None:
        axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, ec="red", lw=1.5))
    axes[0].set_title("source frame (window in red)" if box is not None else "source frame", fontsize=10)
    for ax, (title, (x, y)) in zip(axes[1:], shown.items()):
        changed = np.any(x != y, axis=2)
        picture = np.full(a.shape, 255, np.uint8)
        picture[static & ~changed] = 90
        picture[static & changed] = (230, 20, 20)
        ax.imshow(picture[window], interpolation="nearest")
        share = (static & changed).sum() / max(static.sum(), 1)
        ax.set_title(f"{title}\n{share:.0%} of static pixels changed", fontsize=10)
    for ax in axes[n:]:
        fig.delaxes(ax)
    for ax in axes[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def image_table(
    cells: Sequence[Sequence[tuple[str, np.ndarray] | None]],
    *,
    cell_width: float = 5.0,
    suptitle: str | None = None,
    beside: tuple[str, np.ndarray] | None = None,
) -> Figure:
    """Images in rows and columns, large: e.g. one row per K, one column per initialiser.

    Parameters
    ----------
    cells : sequence of rows, each a sequence of (title, ndarray of shape (H, W, 3) uint8) or None
        All images of the same shape; ``None`` leaves the cell empty (its axes removed).
    cell_width : float, default 5.0
        Inches per column: 550 pixels per image at :func:`save_figure`'s 110 dpi (less the
        margins; :func:`image_panel_widths` measures them).
    suptitle : str, optional
    beside : (title, ndarray of shape (H, W, 3) uint8), optional
        An image (the original) in a column of its own left of the rows, level with the
        middle row; it is the first axes.

    Returns
    -------
    Figure
        One image axes per non-empty cell, in row order (after ``beside``).
    """
    rows = [list(row) for row in cells]
    ncols = max((len(row) for row in rows), default=0)
    shown = [cell for row in rows for cell in row if cell is not None]
    if not shown:
        raise ValueError("no images to draw")
    h, w = np.asarray(shown[0][1]).shape[:2]
    extra = 1 if beside is not None else 0
    fig = _figure(cell_width * (ncols + extra), (cell_width * h / w + 0.5) * len(rows) + (0.4 if suptitle else 0.0))
    grid = fig.add_gridspec(len(rows), ncols + extra)
    if beside is not None:
        middle = len(rows) // 2
        ax = fig.add_subplot(grid[middle, 0])
        ax.imshow(beside[1], interpolation="antialiased")
        ax.set_title(beside[0], fontsize=10)
        ax.set_axis_off()
    axes = np.array([[fig.add_subplot(grid[r, c + extra]) for c in range(ncols)] for r in range(len(rows))])
    for r, row in enumerate(rows):
        for c in range(ncols):
            cell = row[c] if c < len(row) else None
            ax = axes[r, c]
            if cell is None:
                fig.delaxes(ax)
                continue
            title, image = cell
            ax.imshow(image, interpolation="antialiased")
            ax.set_title(title, fontsize=10)
            ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig


def image_panel_widths(fig: Figure, *, dpi: int = 110) -> list[int]:
    """Width in pixels of each axes that shows an image, as :func:`save_figure` writes it at ``dpi``.

    Returns
    -------
    list of int
        One per image axes, in the figure's axes order.
    """
    fig.draw_without_rendering()  # lays the figure out (constrained layout) as saving will
    return [round(ax.get_window_extent().width * dpi / fig.dpi) for ax in fig.axes if ax.get_images()]


def mse_vs_k_loglog(data, *, x: str = "k", y: str = "mse", by: str | None = None, title: str | None = None) -> Figure:
    """:func:`mse_vs_k` on log–log axes, K labelled at its values: a power law MSE ∝ K^-a is a straight line.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to array
        Columns ``x`` (K), ``y`` (MSE) and optionally ``by``.

    Returns
    -------
    Figure
        One axes with log K and log MSE, PSNR on a second axis.
    """
    from matplotlib.ticker import MaxNLocator, NullLocator

    fig = mse_vs_k(data, x=x, y=y, by=by, psnr_axis=True, logy=True, title=title)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    ax = fig.axes[0]
    _log_k_axis(ax, frame[x])
    _plain_number_ticks(ax.yaxis)
    for psnr in ax.child_axes:  # dB ticks at round numbers, labelled plainly
        psnr.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
        psnr.yaxis.set_minor_locator(NullLocator())
        _plain_number_ticks(psnr.yaxis)
    return fig


__all__ += ["crop_grid"]


def crop_grid(
    rows: Sequence[tuple[str, tuple[int, int, int, int], Sequence[tuple[str, np.ndarray]]]],
    *,
    note: str = "",
    panel: float = 3.0,
) -> Figure:
    """Crops of several images, one row per window, enlarged without smoothing, the window marked on the first.

    Parameters
    ----------
    rows : sequence of (label, box, panels)
        ``label`` names the row (left of it); ``box`` is the window (top, left, height,
        width) in pixels; ``panels`` the (title, ndarray of shape (H, W, 3) uint8) images,
        the same number in every row. The first panel of a row is shown whole, with the
        window outlined in red, the others cropped to the window and enlarged.
    note : str, optional
        A title over all panels.
    panel : float, default 3.0
        Width of one panel, inches.

    Returns
    -------
    Figure
        One axes per panel.
    """
    from matplotlib.patches import Rectangle

    ncols = max(len(panels) for _, _, panels in rows)
    heights = [panel * box[2] / box[3] + 0.35 for _, box, _ in rows]
    fig = _figure(panel * ncols, sum(heights) + (0.4 if note else 0.1))
    axes = fig.subplots(len(rows), ncols, squeeze=False, gridspec_kw={"height_ratios": heights})
    for row_axes, (label, (top, left, height, width), panels) in zip(axes, rows):
        for i, (ax, (title, image)) in enumerate(zip(row_axes, panels)):
            if i == 0:
                ax.imshow(image, interpolation="antialiased")
                ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, ec="red", lw=1.5))
                ax.set_ylabel(label, fontsize=10)
            else:
                ax.imshow(image[top : top + height, left : left + width], interpolation="nearest")
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in row_axes[len(panels) :]:
            fig.delaxes(ax)
    if note:
        fig.suptitle(note, fontsize=11)
    return fig


# Markers and dashes cycled per group by the line figures, so that coinciding lines stay distinguishable.
_GROUP_STYLES = [
    {"marker": "o", "ls": "-"},
    {"marker": "s", "ls": "--"},
    {"marker": "^", "ls": "-."},
    {"marker": "D", "ls": ":"},
    {"marker": "v", "ls": "-"},
    {"marker": "P", "ls": "--"},
    {"marker": "X", "ls": "-."},
]


def _log_ticks_125(axis) -> None:
    """A log axis labelled at 1, 2 and 5 times each power of ten, as plain numbers ("0.2", "5")."""
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(1, 10) / 1.0))
    axis.set_major_formatter(StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(NullFormatter())


def marked_crops_figure(
    original: np.ndarray,
    panels: Sequence[tuple[str, np.ndarray]],
    box: tuple[int, int, int, int],
    *,
    title: str = "",
    ncols: int = 3,
    panel_width: float = 4.0,
) -> Figure:
    """The whole image with a window marked on it, then that window of several images, enlarged.

    Parameters
    ----------
    original : ndarray of shape (H, W, 3), uint8
        Shown whole, first, with ``box`` outlined in red.
    panels : sequence of (title, ndarray of shape (H, W, 3) uint8)
        Each shown cropped to ``box``, pixel for pixel enlarged (no smoothing).
    box : (top, left, height, width)
    title : str, optional
        Over all panels (11 pt).
    ncols : int, default 3
        Panels per row, the whole image included.
    panel_width : float, default 4.0
        Inches per panel (440 pixels at :func:`save_figure`'s 110 dpi).

    Returns
    -------
    Figure
        ``1 + len(panels)`` image axes; unused grid cells are removed.
    """
    from matplotlib.patches import Rectangle

    top, left, height, width = box
    n = 1 + len(panels)
    nrows = -(-n // ncols)
    h, w = np.asarray(original).shape[:2]
    row_height = panel_width * max(height / width, h / w) + 0.35
    fig = _figure(panel_width * ncols, row_height * nrows + (0.4 if title else 0.0))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    axes[0].imshow(original, interpolation="antialiased")
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, ec="red", lw=2))
    axes[0].set_title("original, window in red", fontsize=10)
    for ax, (name, image) in zip(axes[1:], panels):
        ax.imshow(np.asarray(image)[top : top + height, left : left + width], interpolation="nearest")
        ax.set_title(name, fontsize=10)
    for ax in axes[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        fig.delaxes(ax)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
