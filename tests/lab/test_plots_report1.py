"""Notebook 01's figures: the large image table, its measured panel widths, log K axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kmeans_lab.lab import plots


@pytest.fixture
def photo():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (170, 256, 3), dtype=np.uint8)


def test_image_table_one_axes_per_cell_empty_cells_removed(photo):
    cells = [[("original", photo), None], [("K=3, random", photo), ("K=3, in_pixels", photo)]]
    fig = plots.image_table(cells, suptitle="seed 0")
    assert [ax.get_title() for ax in fig.axes] == ["original", "K=3, random", "K=3, in_pixels"]
    assert fig.get_suptitle() == "seed 0"


def test_image_table_panels_are_at_least_500_pixels_wide_when_saved(tmp_path, monkeypatch, photo):
    monkeypatch.setenv("KMEANS_LAB_ROOT", str(tmp_path))
    cells = [[("a\nb", photo), ("c\nd", photo)]] * 3
    fig = plots.image_table(cells, cell_width=5.0)
    widths = plots.image_panel_widths(fig)
    assert len(widths) == 6 and min(widths) >= 500
    with Image.open(plots.save_figure(fig, "table")) as saved:
        assert saved.width >= sum(widths[:2])


def test_image_table_needs_an_image():
    with pytest.raises(ValueError, match="no images to draw"):
        plots.image_table([[None, None]])


def test_runtime_vs_k_ranges_and_log_k_axis():
    data = pd.DataFrame(
        {
            "K": [3, 5, 30, 3, 5, 30],
            "seconds": [1.0, 2.0, 9.0, 0.1, 0.2, 0.9],
            "low": [0.9, 1.8, 8.0, 0.1, 0.2, 0.8],
            "high": [1.1, 2.5, 10.0, 0.1, 0.3, 1.0],
            "algorithm": ["ref"] * 3 + ["lab"] * 3,
        }
    )
    fig = plots.runtime_vs_k(data, x="K", by="algorithm", low="low", high="high", logx=True)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2  # a line and a range bar per group
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "5", "30"]


def test_mse_vs_k_loglog_is_log_on_both_axes_with_k_ticks():
    data = pd.DataFrame({"K": [3, 7, 15, 30], "mse": [0.01, 0.004, 0.002, 0.001]})
    (ax,) = plots.mse_vs_k_loglog(data, x="K", y="mse").axes
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "7", "15", "30"]
    assert [child.get_ylabel() for child in ax.child_axes] == ["PSNR (dB)"]


def _labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_log_axes_are_labelled_with_plain_numbers():
    data = pd.DataFrame({"K": [3, 7, 15, 30], "mse": [0.01, 0.004, 0.002, 0.001], "seconds": [0.2, 1.0, 5.0, 40.0]})
    fig = plots.mse_vs_k_loglog(data, x="K", y="mse")
    fig.draw_without_rendering()
    (ax,) = fig.axes
    (psnr,) = ax.child_axes
    for axis in (ax.yaxis, psnr.yaxis):
        labels = _labels(axis)
        assert labels and all("$" not in t and "^" not in t for t in labels)
    assert all(float(t) == int(float(t)) for t in _labels(psnr.yaxis))  # whole dB
    fig = plots.runtime_vs_k(data, x="K", y="seconds", logx=True)
    fig.draw_without_rendering()
    labels = _labels(fig.axes[0].yaxis)
    assert labels and all("$" not in t for t in labels)


def test_image_table_puts_the_original_beside_the_middle_row(photo):
    cells = [[(f"K={k}, random", photo), (f"K={k}, in_pixels", photo)] for k in (3, 5, 7)]
    fig = plots.image_table(cells, cell_width=3.0, beside=("original", photo))
    first, *rest = fig.axes
    assert first.get_title() == "original" and len(rest) == 6
    fig.draw_without_rendering()
    middle = rest[2].get_position()  # K=5, random
    assert first.get_position().x1 <= middle.x0 and first.get_position().y0 == pytest.approx(middle.y0)


def test_marked_crops_figure_marks_the_window_and_enlarges_it(photo):
    box = (20, 30, 40, 60)
    fig = plots.marked_crops_figure(photo, [("a", photo), ("b", photo), ("c", photo)], box, title="where", ncols=3)
    whole, *crops = [ax for ax in fig.axes if ax.get_images()]
    (window,) = whole.patches
    assert (window.get_x(), window.get_y(), window.get_width(), window.get_height()) == (29.5, 19.5, 60, 40)
    assert [ax.get_title() for ax in crops] == ["a", "b", "c"]
    assert all(ax.get_images()[0].get_array().shape[:2] == (40, 60) for ax in crops)
    assert len(fig.axes) == 4 and fig.get_suptitle() == "where"  # the unused grid cells are removed


def test_runtime_vs_k_labels_ticks_below_one_second_and_takes_styles():
    data = pd.DataFrame(
        {"K": [3, 7, 30] * 2, "seconds": [0.12, 0.3, 0.9, 2.0, 8.0, 60.0], "who": ["lab"] * 3 + ["laptop"] * 3}
    )
    fig = plots.runtime_vs_k(data, x="K", by="who", logx=True, styles={"laptop": {"ls": ":", "marker": "x"}})
    fig.draw_without_rendering()
    (ax,) = fig.axes
    labels = _labels(ax.yaxis)
    assert {"0.2", "0.5"} <= set(labels) and "50" in labels
    assert [line.get_linestyle() for line in ax.get_lines()] == ["-", ":"]
    (legend,) = fig.legends
    assert all(text.get_fontsize() >= 10 for text in legend.get_texts())


def test_palette_swatches_label_wide_swatches_with_their_share():
    palette = np.array([[0, 0, 0], [255, 255, 255], [200, 0, 0]], np.uint8)
    fig = plots.palette_swatches({"K=3": palette}, shares={"K=3": np.array([0.3, 0.68, 0.02])})
    assert [t.get_text() for t in fig.axes[0].texts] == ["68%", "30%"]  # the 2 % swatch is too narrow
