"""read_image converts every mode to (H, W, 3) uint8; saves are atomic and by suffix."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import ImageError, read_image, save_palette_png, save_rgb
from kmeans_lab.image import palette_png_bit_depth

from .bad_files import FILE_CASES, make_input


def test_rgb_round_trip(tmp_path, small_image):
    path = tmp_path / "x.png"
    save_rgb(path, small_image)
    np.testing.assert_array_equal(read_image(path), small_image)


def test_grayscale_becomes_three_equal_channels(tmp_path):
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(gray, "L").save(tmp_path / "g.png")
    rgb = read_image(tmp_path / "g.png")
    assert rgb.shape == (16, 16, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], gray)


def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257 * 100, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")  # uint16 -> mode I;16
    rgb = read_image(tmp_path / "g16.png")
    assert rgb[0, :, 0].tolist() == [0, 100, 255]


def test_palette_image(tmp_path):
    im = Image.new("P", (3, 1))
    im.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    im.putdata([0, 1, 2])
    im.save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png")[0].tolist() == [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def test_alpha_composited_on_white_with_warning(tmp_path):
    rgba = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [200, 0, 0, 128]]], dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="composited on white"):
        rgb = read_image(tmp_path / "a.png")
    assert rgb[0, 0].tolist() == [255, 255, 255]
    assert rgb[0, 1].tolist() == [0, 0, 0]
    assert abs(int(rgb[0, 2, 0]) - (200 * 128 + 255 * 127) // 255) <= 1


def test_opaque_alpha_gives_no_warning(tmp_path, recwarn):
    Image.new("RGBA", (2, 2), (1, 2, 3, 255)).save(tmp_path / "o.png")
    assert read_image(tmp_path / "o.png")[0, 0].tolist() == [1, 2, 3]
    assert not recwarn.list


def test_cmyk(tmp_path):
    Image.new("CMYK", (2, 2), (0, 0, 0, 0)).save(tmp_path / "c.jpg")
    rgb = read_image(tmp_path / "c.jpg")
    assert rgb.shape == (2, 2, 3) and (rgb > 240).all()


def test_exif_orientation_applied(tmp_path):
    im = Image.new("RGB", (40, 20), (0, 0, 0))
    im.paste((255, 255, 255), (0, 0, 10, 20))  # white on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    im.save(tmp_path / "r.jpg", exif=exif, quality=95)
    rgb = read_image(tmp_path / "r.jpg")
    assert rgb.shape == (40, 20, 3)
    assert rgb[:5].mean() > 200 and rgb[-5:].mean() < 50  # left edge is now the top


@pytest.mark.parametrize(("k", "bits"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (256, 8)])
def test_palette_png_bit_depth(tmp_path, k, bits):
    assert palette_png_bit_depth(k) == bits
    labels = (np.arange(64 * 64) % k).reshape(64, 64)
    palette = np.stack([np.arange(k), np.arange(k)[::-1], np.zeros(k)], axis=1).astype(np.uint8)
    n_bytes = save_palette_png(tmp_path / "p.png", palette, labels)
    assert n_bytes == (tmp_path / "p.png").stat().st_size
    with Image.open(tmp_path / "p.png") as im:
        assert im.mode == "P"
        # IHDR byte 24 is the bit depth.
    assert (tmp_path / "p.png").read_bytes()[24] == bits
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), palette[labels])


def test_failed_save_leaves_no_file_and_keeps_old_one(tmp_path, small_image, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"previous contents")

    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(ImageError, match="could not write.*disk full"):
        save_rgb(target, small_image)
    assert target.read_bytes() == b"previous contents"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".pdf", ".webp", ".tif", ".bmp"])
def test_save_by_suffix(tmp_path, small_image, suffix):
    path = tmp_path / f"x{suffix}"
    n = save_rgb(path, small_image)
    assert n == path.stat().st_size > 0
    if suffix != ".pdf":
        assert read_image(path).shape == small_image.shape


@pytest.mark.parametrize(("kind", "message"), FILE_CASES)
def test_api_read_errors(tmp_path, kind, message):
    with pytest.raises(ImageError, match=message):
        read_image(make_input(kind, tmp_path))
