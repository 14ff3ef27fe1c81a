"""The report's figures: the right panels and titles, saved under figures/."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

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
            "k": [16, None, 16, None],
            "bpp": [1, 2, 1, 2],
            "psnr": [30, 32, 29, 31],
        }
    )
    fig = plots.rate_distortion_figure(rows, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["k-means (kmeans_lab, sRGB)", "JPEG, quality 10–95"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["16"]  # kmeans_lab's points labelled with their K
    assert fig.legends[0].get_texts()[0].get_fontsize() >= 10


def test_flicker_figure_in_a_window_and_crop_grid(image):
    a = image
    b = image.copy()
    b[0, 0] = 255 - b[0, 0]
    fig = plots.flicker_figure((a, b), {"x": (a, b), "y": (a, a)}, box=(1, 2, 4, 5), ncols=2)
    assert len(fig.axes) == 3 and fig.axes[1].get_images()[0].get_array().shape[:2] == (4, 5)
    fig = plots.crop_grid([("row", (1, 2, 4, 5), [("whole", image), ("crop", image)])], note="n")
    assert [ax.get_title() for ax in fig.axes] == ["whole", "crop"]
    assert fig.axes[0].get_images()[0].get_array().shape[:2] == image.shape[:2]
    assert fig.axes[1].get_images()[0].get_array().shape[:2] == (4, 5)


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


def _tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_mse_vs_k_psnr_ticks_are_plain_db_numbers():
    data = {"k": [2, 5, 10, 20, 50], "mse": [0.03, 0.0074, 0.003, 0.0014, 0.00055]}
    fig = plots.mse_vs_k(data, logx=True)
    fig.draw_without_rendering()
    (ax,) = fig.axes
    (second,) = ax.child_axes
    labels = _tick_texts(second.yaxis)
    assert len(labels) >= 3
    assert all(float(text) == int(float(text)) for text in labels), labels  # "20", never "2×10¹"
    assert ax.get_xscale() == "log" and _tick_texts(ax.xaxis) == ["2", "5", "10", "20", "50"]


def test_mse_vs_k_draws_the_median_and_a_min_max_band_over_repeats():
    data = pd.DataFrame(
        {
            "k": [2, 2, 2, 5, 5, 5],
            "mse": [0.03, 0.01, 0.02, 0.004, 0.006, 0.005],
            "init": ["a"] * 6,
            "seed": [0, 1, 2] * 2,
        }
    )
    fig = plots.mse_vs_k(data, by="init")
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    assert line.get_ydata().tolist() == [0.02, 0.005]
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(ys.min(), 0.004) and np.isclose(ys.max(), 0.03)
    assert len(plots.mse_vs_k(data, by="init", band=False).axes[0].collections) == 0


def test_mse_spread_vs_k_is_relative_to_the_reference_median():
    data = pd.DataFrame(
        {
            "k": [2, 2, 4, 4] * 2,
            "mse": [1.0, 1.0, 0.5, 0.5, 1.1, 1.3, 0.5, 0.6],
            "init": ["kmeans++"] * 4 + ["random"] * 4,
        }
    )
    fig = plots.mse_spread_vs_k(data, reference="kmeans++")
    (ax,) = fig.axes
    lines = {
        line.get_label(): line.get_ydata().tolist() for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert np.allclose(lines["kmeans++"], [0, 0]) and np.allclose(lines["random"], [20, 10])
    bands = {round(float(np.ptp(band.get_paths()[0].vertices[:, 1])), 6) for band in ax.collections}
    assert bands == {0.0, 30.0}  # kmeans++'s repeats agree; random's span 0 % (K=4) to 30 % (K=2)
    with pytest.raises(ValueError, match="reference 'x' is not one of the groups"):
        plots.mse_spread_vs_k(data, reference="x")


def test_palette_swatches_by_share_largest_first_and_as_wide_as_its_share():
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], np.uint8)
    fig = plots.palette_swatches({"K=3": palette}, shares={"K=3": np.array([0.2, 0.5, 0.3])})
    (bars,) = fig.axes[0].collections
    widths = [path.vertices[:, 0].max() - path.vertices[:, 0].min() for path in bars.get_paths()]
    assert np.allclose(widths, [0.5, 0.3, 0.2])
    assert np.allclose(bars.get_facecolors()[0][:3], [1, 0, 0])  # red, the largest share, first
    with pytest.raises(ValueError, match="3 colours but 2 shares"):
        plots.palette_swatches({"K=3": palette}, shares={"K=3": np.array([0.5, 0.5])})


def test_rate_distortion_bpp_ticks_are_plain_numbers():
    rows = pd.DataFrame({"image": ["a"] * 3, "method": ["jpeg"] * 3, "bpp": [0.25, 1.0, 4.0], "psnr": [25, 30, 35]})
    fig = plots.rate_distortion_figure(rows)
    fig.draw_without_rendering()
    labels = _tick_texts(fig.axes[0].xaxis)
    assert "0.25" in labels and "1" in labels and not any("^" in text or "$" in text for text in labels)


def test_crops_figure_titles_do_not_overlap(image):
    panels = [("original", image), ("k-means K=16\n34827 bytes", image), ("JPEG q=90\n34306 bytes", image)]
    fig = plots.crops_figure(panels, (0, 0, 11, 14), zoom_note="a crop, enlarged")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    note = fig._suptitle.get_window_extent(renderer)
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes]
    for ax, title in zip(fig.axes, titles):
        assert not title.overlaps(note)
        assert not title.overlaps(ax.get_window_extent(renderer))
    assert not any(a.overlaps(b) for a, b in zip(titles, titles[1:]))
