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
