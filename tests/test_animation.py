"""Animations: every frame read back, shared-palette GIF and APNG written with their durations and loop count."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import ImageError, Palette, Quantized, quantize_many, read_frames, save_animation
from kmeans_lab.animation import DEFAULT_DURATION, stored_durations
from kmeans_lab.image import ImageTooLargeError

from .bad_files import FRAME_COLORS, MULTI_FRAME_FORMATS, multi_frame_file


def _labels(k: int, n: int = 8, shape=(48, 64)) -> tuple[np.ndarray, list[np.ndarray]]:
    """A palette of k distinct colours and n moving label fields; frame 3 repeats frame 2."""
    rng = np.random.default_rng(k)
    palette = np.unique(rng.integers(0, 256, (4 * k, 3), dtype=np.uint8), axis=0)[:k]
    rng.shuffle(palette)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    frames = [((xx + 7 * i + (yy // 8) * 3) // 5 % k).astype(np.uint8) for i in range(n)]
    if n > 3:
        frames[3] = frames[2].copy()
    return palette, frames


def _quantized(palette: np.ndarray, frames: list[np.ndarray]) -> list[Quantized]:
    shared = Palette.from_colors(palette)
    return [Quantized(shared, labels) for labels in frames]


DURATIONS = [100, 40, 33, 37, 500, 20, 60, 75]


@pytest.mark.parametrize("k", [2, 16, 200, 256])
def test_gif_round_trip(tmp_path, k):
    palette, frames = _labels(k)
    path = tmp_path / "a.gif"
    n_bytes = save_animation(path, _quantized(palette, frames), DURATIONS, loop=0)
    assert n_bytes == path.stat().st_size
    back = read_frames(path)
    # Frame 3 equals frame 2: GIF merges it (durations added), and stores centiseconds.
    assert back.durations == stored_durations(".gif", frames, DURATIONS) == (100, 40, 70, 500, 20, 60, 80)
    assert (len(back), back.loop, back.format) == (7, 0, "GIF")
    kept = [0, 1, 2, 4, 5, 6, 7]
    for frame, i in zip(back.frames, kept):
        np.testing.assert_array_equal(frame, palette[frames[i]])
    with Image.open(path) as im:  # one global colour table, indices as given
        np.testing.assert_array_equal(np.asarray(im), frames[0])
        np.testing.assert_array_equal(np.asarray(im.getpalette(), np.uint8).reshape(-1, 3)[:k], palette)


@pytest.mark.parametrize("k", [2, 16, 256])
def test_apng_keeps_every_frame_and_duration(tmp_path, k):
    palette, frames = _labels(k)
    path = tmp_path / "a.png"
    save_animation(path, _quantized(palette, frames), DURATIONS, loop=3)
    back = read_frames(path)
    assert (len(back), back.durations, back.loop, back.format) == (8, tuple(DURATIONS), 3, "PNG")
    for frame, labels in zip(back.frames, frames):
        np.testing.assert_array_equal(frame, palette[labels])


@pytest.mark.parametrize(("suffix", "loop", "read_back"), [(".gif", None, None), (".gif", 2, 2), (".png", None, 1)])
def test_loop_count(tmp_path, suffix, loop, read_back):
    palette, frames = _labels(4, n=3)
    save_animation(tmp_path / f"a{suffix}", _quantized(palette, frames[:2]), 100, loop=loop)
    assert read_frames(tmp_path / f"a{suffix}").loop == read_back


@pytest.mark.parametrize(("suffix", "options"), MULTI_FRAME_FORMATS, ids=[s for s, _ in MULTI_FRAME_FORMATS])
def test_read_frames_of_every_multi_frame_format(tmp_path, suffix, options):
    animation = read_frames(multi_frame_file(tmp_path / f"anim{suffix}", **options))
    assert len(animation) == 3 and animation.shape == (6, 8)
    for frame, color in zip(animation.frames, FRAME_COLORS):
        assert (frame == color).all()
    assert animation.durations == ((DEFAULT_DURATION,) * 3 if suffix == ".tif" else (100,) * 3)


def test_still_image_is_one_frame(tmp_path, small_image):
    Image.fromarray(small_image).save(tmp_path / "still.png")
    animation = read_frames(tmp_path / "still.png")
    assert len(animation) == 1 and animation.loop is None
    np.testing.assert_array_equal(animation.frames[0], small_image)


def test_transparent_gif_frames_are_composited_on_white(tmp_path):
    frames = [Image.new("RGBA", (4, 4), (255, 0, 0, 0)), Image.new("RGBA", (4, 4), (0, 0, 255, 255))]
    frames[0].putpixel((0, 0), (255, 0, 0, 255))
    frames[0].save(tmp_path / "t.gif", save_all=True, append_images=frames[1:], duration=100, disposal=2)
    with pytest.warns(UserWarning, match="transparent pixels composited on white"):
        animation = read_frames(tmp_path / "t.gif")
    assert animation.frames[0][0, 0].tolist() == [255, 0, 0]
    assert animation.frames[0][3, 3].tolist() == [255, 255, 255]
    assert (animation.frames[1] == [0, 0, 255]).all()


def test_max_pixels_counts_every_frame(tmp_path):
    path = multi_frame_file(tmp_path / "anim.gif", duration=100)  # 3 frames of 8x6
    assert len(read_frames(path, max_pixels=144)) == 3
    with pytest.raises(ImageTooLargeError, match=r"144 pixels, more than the limit of 143.*3 frames"):
        read_frames(path, max_pixels=143)


def test_read_frames_errors(tmp_path):
    with pytest.raises(ImageError, match=r"nope\.gif: no such file"):
        read_frames(tmp_path / "nope.gif")
    (tmp_path / "x.gif").write_text("not an image")
    with pytest.raises(ImageError, match="not an image file"):
        read_frames(tmp_path / "x.gif")


@pytest.mark.parametrize(
    ("name", "palette", "frames", "durations", "message"),
    [
        ("a.jpg", 4, 2, 100, r"written as \.gif or \.png"),
        ("a.gif", 300, 2, 100, "K=300: a GIF holds at most 256 colours"),
        ("a.png", 4, 2, [100], "2 frames but 1 durations"),
        ("a.gif", 4, 0, 100, "at least one frame"),
        ("a.gif", 4, 2, -5, "duration must be an integer >= 0"),
    ],
)
def test_save_animation_refuses(tmp_path, name, palette, frames, durations, message):
    colors = np.stack([np.arange(palette) % 256, np.arange(palette) // 256, np.zeros(palette)], 1).astype(np.uint8)
    with pytest.raises(ValueError, match=message):
        save_animation(tmp_path / name, _quantized(colors, [np.zeros((2, 2), np.uint8)] * frames), durations)
    assert list(tmp_path.iterdir()) == []


def test_save_animation_refuses_frames_of_different_palettes(tmp_path):
    a = _quantized(np.array([[0, 0, 0], [9, 9, 9]], np.uint8), [np.zeros((2, 2), np.uint8)])
    b = _quantized(np.array([[0, 0, 0], [8, 8, 8]], np.uint8), [np.zeros((2, 2), np.uint8)])
    with pytest.raises(ValueError, match="must share one palette"):
        save_animation(tmp_path / "a.gif", a + b, 100)
    assert list(tmp_path.iterdir()) == []


def test_quantized_animation_does_not_flicker(tmp_path):
    """A still region of the source keeps its colour in every frame: one palette, one label per colour."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    frames = []
    for i in range(6):
        frame = background.copy()
        frame[10:20, 5 + 5 * i : 15 + 5 * i] = (255, 255, 0)  # a moving square
        frames.append(frame)
    result = quantize_many(frames, 8)
    still = np.ones((40, 60), bool)
    for i in range(6):
        still[10:20, 5 + 5 * i : 15 + 5 * i] = False
    for a, b in zip(result, result[1:]):
        np.testing.assert_array_equal(a.labels[still], b.labels[still])
    save_animation(tmp_path / "a.gif", result, 80)
    assert len(read_frames(tmp_path / "a.gif")) == 6
