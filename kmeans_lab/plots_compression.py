"""Figures of the compression report (notebook 03). Each function returns the matplotlib
Figure; save it with :func:`kmeans_lab.plots.save_figure`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["rate_distortion_figure", "crops_figure"]

_STYLE = {
    "kmeans_lab": {"color": "C3", "marker": "o", "lw": 2.2},
    "pillow_mediancut": {"color": "C0", "marker": "s"},
    "pillow_maxcoverage": {"color": "C1", "marker": "^"},
    "pillow_fastoctree": {"color": "C2", "marker": "v"},
    "imagequant": {"color": "C4", "marker": "D"},
    "jpeg": {"color": "k", "marker": ".", "ls": "--"},
}


def rate_distortion_figure(rows: "pandas.DataFrame", *, ncols: int = 3) -> "matplotlib.figure.Figure":  # noqa: F821
    """PSNR against bits per pixel, one panel per image, one line per method.

    Parameters
    ----------
    rows : DataFrame
        Columns ``image``, ``method``, ``bpp``, ``psnr``; rows of a method in rate order.
    """
    import matplotlib.pyplot as plt

    images = list(dict.fromkeys(rows["image"]))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, images):
        part = rows[rows["image"] == name]
        for method, group in part.groupby("method", sort=False):
            group = group.sort_values("bpp")
            ax.plot(group["bpp"], group["psnr"], label=method, ms=4, **_STYLE.get(method, {}))
        ax.set_xscale("log", base=2)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(images):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def crops_figure(
    panels: Sequence[tuple[str, np.ndarray]], box: tuple[int, int, int, int], *, zoom_note: str = ""
) -> "matplotlib.figure.Figure":  # noqa: F821
    """The same crop of several images side by side, enlarged without smoothing.

    Parameters
    ----------
    panels : sequence of (title, ndarray of shape (H, W, 3) uint8)
    box : (top, left, height, width)
        The crop, in pixels.
    """
    import matplotlib.pyplot as plt

    top, left, height, width = box
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2 * height / width + 0.6), squeeze=False)
    for ax, (title, image) in zip(axes.flat, panels):
        ax.imshow(image[top : top + height, left : left + width], interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if zoom_note:
        fig.suptitle(zoom_note, fontsize=10)
    fig.tight_layout()
    return fig
