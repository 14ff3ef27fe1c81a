"""The report's figures: the right panels and titles, saved under figures/."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_lab.lab import plots


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)


def test_image_grid_has_original_and_one_panel_per_k(image):
    fig = plots.image_grid(image, [image, image, image], ["K=3", "K=5", "K=7"])
    assert [ax.get_title() for ax in fig.axes] == ["original", "K=3", "K=5", "K=7"]


def test_image_grid_wraps_and_drops_unused_cells(image):
    fig = plots.image_grid(image, [image] * 4, [f"K={k}" for k in range(4)], ncols=3)
    assert len(fig.axes) == 5


def test_image_grid_needs_one_title_per_panel(image):
    with pytest.raises(ValueError, match="2 panels but 1 titles"):
        plots.image_grid(image, [image, image], ["K=3"])


def test_mse_vs_k_one_line_per_group_and_psnr_axis():
    data = pd.DataFrame({"k": [2, 5, 2, 5], "mse": [0.03, 0.01, 0.02, 0.008], "init": ["a", "a", "b", "b"]})
    fig = plots.mse_vs_k(data, by="init")
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2
    assert [child.get_ylabel() for child in ax.child_axes] == ["PSNR (dB)"]  # the secondary axis
    assert plots.mse_vs_k({"k": [2, 5], "mse": [0.03, 0.01]}, psnr_axis=False).axes[0].child_axes == []


def test_runtime_vs_k_one_line_per_group():
    data = {"k": [3, 5, 3, 5], "seconds": [1.0, 2.0, 0.1, 0.2], "algorithm": ["ref", "ref", "lab", "lab"]}
    fig = plots.runtime_vs_k(data, by="algorithm")
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 2


def test_palette_swatches_one_row_per_palette():
    palettes = {"K=2": np.array([[0, 0, 0], [255, 255, 255]], np.uint8), "K=3": np.eye(3, dtype=np.uint8) * 255}
    fig = plots.palette_swatches(palettes)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["K=2", "K=3"]
    assert len(plots.palette_swatches([np.zeros((4, 3), np.uint8)]).axes) == 1


def test_save_figure_writes_png_under_figures(tmp_path, monkeypatch, image):
    monkeypatch.setenv("KMEANS_LAB_ROOT", str(tmp_path))
    path = plots.save_figure(plots.image_grid(image, [image], ["K=2"]), "grid")
    assert path == tmp_path / "figures" / "grid.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rate_distortion_one_panel_per_image_and_a_shared_legend():
    rows = pd.DataFrame(
        {
            "image": ["a", "a", "b", "b"],
            "method": ["kmeans_lab", "jpeg"] * 2,
            "bpp": [1, 2, 1, 2],
            "psnr": [30, 32, 29, 31],
        }
    )
    fig = plots.rate_distortion_figure(rows, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["kmeans_lab", "jpeg"]


def test_crops_figure_shows_the_box(image):
    fig = plots.crops_figure([("x", image), ("y", image)], (2, 3, 4, 5), zoom_note="zoom")
    assert [ax.get_title() for ax in fig.axes] == ["x", "y"]
    assert fig.axes[0].get_images()[0].get_array().shape[:2] == (4, 5)


def test_scaling_figure_two_log_panels():
    table = pd.DataFrame(
        {
            "study": ["pixels", "pixels", "k", "k"],
            "pixels": [1e6, 2e6, 1e6, 1e6],
            "k": [16, 16, 2, 8],
            "seconds": [0.1, 0.2, 0.1, 0.3],
        }
    )
    fig = plots.scaling_figure(table)
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
