"""The shared-palette study's helpers: the animation, flicker, GIF rows, histogram growth, and their figures."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import quantize_many
from kmeans_lab.lab import animations, plots


@pytest.fixture(scope="module")
def frames():
    return animations.pan_zoom_frames(4, (40, 26))


def test_pan_zoom_frames_are_deterministic_and_move(frames):
    again = animations.pan_zoom_frames(4, (40, 26))
    assert [f.shape for f in frames] == [(26, 40, 3)] * 4
    assert all(np.array_equal(a, b) for a, b in zip(frames, again))
    assert not np.array_equal(frames[0], frames[-1])


def test_flicker_on_a_hand_made_case():
    a = np.zeros((1, 4, 3), np.uint8)
    b = a.copy()
    b[0, 3] = 9  # the source changes at one pixel of four
    shown_a, shown_b = a.copy(), a.copy()
    shown_b[0, 0] = (3, 0, 0)  # one static pixel changes by 3 levels in one channel
    result = animations.flicker([a, b], [shown_a, shown_b])
    assert result == {"static": 0.75, "flicker": pytest.approx(3 / 9), "changed": pytest.approx(1 / 3)}
    with pytest.raises(ValueError, match="2 source frames but 1 shown"):
        animations.flicker([a, b], [a])


def test_gif_rows(frames):
    shared = quantize_many(frames, 4)
    own = quantize_many(frames, 4, shared_palette=False)
    one = animations.gif_row(
        "one", frames, animations.gif_of_shared_palette(shared[0].palette, [q.labels for q in shared], 50)
    )
    each = animations.gif_row("each", frames, animations.gif_of_own_palettes(own, 50))
    assert one["flicker"] == 0 and one["colours"] <= 4 and one["frames"] == 4
    assert each["colours"] >= 4 and each["frames"] == 4
    pillow = animations.gif_row("pillow", frames, animations.gif_by_pillow(frames, 50, colors=4))
    assert pillow["bytes"] > 0 and pillow["mse"] > 0


def test_histogram_growth_and_figures(frames, tmp_path):
    growth = animations.histogram_growth(frames)
    assert growth["frames"].tolist() == [1, 2, 3, 4]
    assert growth["pixels"].tolist() == [1040, 2080, 3120, 4160]
    assert growth["colours"].is_monotonic_increasing
    fig = plots.histogram_growth_figure(growth)
    assert len(fig.axes[0].get_lines()) == 2
    fig = plots.flicker_figure((frames[0], frames[1]), {"a": (frames[0], frames[1]), "b": (frames[0], frames[0])})
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["source frame", "a", "b"]
    paths = animations.save_frames(frames[:2], tmp_path)
    assert [p.name for p in paths] == ["frame-000.png", "frame-001.png"]


def test_show_gif_writes_the_file_under_figures_and_embeds_it(frames, tmp_path, monkeypatch):
    monkeypatch.setenv("KMEANS_LAB_ROOT", str(tmp_path))
    shared = quantize_many(frames, 4)
    data = animations.gif_of_shared_palette(shared[0].palette.colors, [q.labels for q in shared], 50)
    shown = animations.show_gif(data, "a.gif")
    assert (tmp_path / "figures" / "a.gif").read_bytes() == data == shown.data
