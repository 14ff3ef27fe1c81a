"""read_image converts every mode to (H, W, 3) uint8, or (H, W, 4) with transparency; saves are atomic, by suffix."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from PIL import Image, ImageOps

from kmeans_lab import ImageError, read_image
from kmeans_lab.image import (
    DEFAULT_MAX_PIXELS,
    ImageTooLargeError,
    palette_png_bit_depth,
    save_palette_png,
    save_quantized,
    save_rgb,
)

from .bad_files import FILE_CASES, FRAME_COLORS, MULTI_FRAME_FORMATS, make_input, multi_frame_file, png16_rgba_bytes


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


def test_alpha_composited_on_a_background_when_asked(tmp_path, recwarn):
    rgba = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [200, 0, 0, 128]]], dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    rgb = read_image(tmp_path / "a.png", background="white")
    assert rgb.shape == (1, 3, 3)
    assert rgb[0, 0].tolist() == [255, 255, 255]
    assert rgb[0, 1].tolist() == [0, 0, 0]
    assert abs(int(rgb[0, 2, 0]) - (200 * 128 + 255 * 127) // 255) <= 1
    assert read_image(tmp_path / "a.png", background="#000080")[0, 0].tolist() == [0, 0, 128]
    assert read_image(tmp_path / "a.png", background=(1, 2, 3))[0, 0].tolist() == [1, 2, 3]
    assert not recwarn.list  # an explicit choice needs no notice


def test_transparency_kept_by_default(tmp_path, recwarn):
    rgba = np.array([[[9, 8, 7, 0], [0, 0, 0, 255], [200, 0, 0, 128]]], dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), rgba)
    assert not recwarn.list


def _alpha_files(tmp_path):
    """Files with transparency in every form Pillow reads: (path, expected RGBA)."""
    files = {}
    la = np.array([[[10, 0], [20, 255], [30, 77]]], np.uint8)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    files["la.png"] = np.stack([la[..., 0]] * 3 + [la[..., 1]], axis=-1)
    p = Image.new("P", (3, 1))
    p.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    p.putdata([0, 1, 2])
    p.save(tmp_path / "p.png", transparency=bytes([255, 0, 100]))
    files["p.png"] = np.array([[[255, 0, 0, 255], [0, 255, 0, 0], [0, 0, 255, 100]]], np.uint8)
    p.save(tmp_path / "p.gif", transparency=1)
    files["p.gif"] = np.array([[[255, 0, 0, 255], [0, 255, 0, 0], [0, 0, 255, 255]]], np.uint8)
    gray = Image.fromarray(np.array([[5, 6, 7]], np.uint8), "L")
    gray.save(tmp_path / "l.png", transparency=6)
    files["l.png"] = np.array([[[5, 5, 5, 255], [6, 6, 6, 0], [7, 7, 7, 255]]], np.uint8)
    rgb = Image.fromarray(np.array([[[1, 2, 3], [4, 5, 6], [1, 2, 3]]], np.uint8), "RGB")
    rgb.save(tmp_path / "rgb.png", transparency=(1, 2, 3))
    files["rgb.png"] = np.array([[[1, 2, 3, 0], [4, 5, 6, 255], [1, 2, 3, 0]]], np.uint8)
    return {tmp_path / name: expected for name, expected in files.items()}


def test_every_kind_of_transparency_is_kept(tmp_path):
    for path, expected in _alpha_files(tmp_path).items():
        got = read_image(path)
        assert got.shape == expected.shape, path.name
        visible = expected[..., 3] > 0  # the colour of a fully transparent pixel is not specified
        np.testing.assert_array_equal(got[..., 3], expected[..., 3], err_msg=path.name)
        np.testing.assert_array_equal(got[visible], expected[visible], err_msg=path.name)


def test_16_bit_rgba_png_keeps_alpha_to_8_bits(tmp_path):
    rgba16 = np.random.default_rng(4).integers(0, 65536, (5, 6, 4)).astype(np.uint16)
    rgba16[0, 0, 3] = 0
    path = tmp_path / "rgba16.png"
    path.write_bytes(png16_rgba_bytes(rgba16))
    np.testing.assert_array_equal(read_image(path), (rgba16 >> 8).astype(np.uint8))


def test_transparency_colour_unused_gives_rgb(tmp_path):
    """A palette with a transparent entry no pixel uses is an opaque image: (H, W, 3)."""
    p = Image.new("P", (2, 1))
    p.putpalette([255, 0, 0, 0, 255, 0])
    p.putdata([0, 0])
    p.save(tmp_path / "p.png", transparency=1)
    assert read_image(tmp_path / "p.png").tolist() == [[[255, 0, 0], [255, 0, 0]]]


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


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path, orientation):
    stored = np.random.default_rng(orientation).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(tmp_path / "o.png", exif=exif)
    with Image.open(tmp_path / "o.png") as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    got = read_image(tmp_path / "o.png")
    np.testing.assert_array_equal(got, expected)
    assert got.flags.c_contiguous and got.flags.writeable


def test_read_in_strips_equals_whole_image_conversion(tmp_path, monkeypatch):
    """Strip-wise conversion (forced to 7-row strips here) gives Pillow's whole-image result, alpha included."""
    import kmeans_lab.image as image_module

    monkeypatch.setattr(image_module, "_STRIP_PIXELS", 7 * 50)
    rgba = np.random.default_rng(3).integers(0, 256, (45, 50, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(rgba[..., 3] > 128, 255, rgba[..., 3])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    white = Image.new("RGBA", (50, 45), (255, 255, 255, 255))
    expected = np.asarray(Image.alpha_composite(white, Image.fromarray(rgba, "RGBA")).convert("RGB"))
    np.testing.assert_array_equal(read_image(tmp_path / "a.png", background="white"), expected)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), rgba)
    rgb = rgba[..., :3].copy()
    Image.fromarray(rgb).save(tmp_path / "b.png")
    np.testing.assert_array_equal(read_image(tmp_path / "b.png"), rgb)


@pytest.mark.parametrize(("suffix", "options"), MULTI_FRAME_FORMATS, ids=[s for s, _ in MULTI_FRAME_FORMATS])
def test_multi_frame_file_reads_first_frame_with_warning(tmp_path, suffix, options):
    path = multi_frame_file(tmp_path / f"anim{suffix}", **options)
    with pytest.warns(UserWarning, match=rf"anim\{suffix}: .* with 3 frames; only the first frame is used"):
        rgb = read_image(path)
    assert rgb.shape == (6, 8, 3)
    assert (rgb == FRAME_COLORS[0]).all()


def test_max_pixels(tmp_path, small_image):
    path = tmp_path / "x.png"
    save_rgb(path, small_image)  # 24x32 = 768 pixels
    np.testing.assert_array_equal(read_image(path, max_pixels=768), small_image)
    np.testing.assert_array_equal(read_image(path, max_pixels=None), small_image)
    with pytest.raises(
        ImageTooLargeError, match=r"x\.png: image too large \(768 pixels, more than the limit of 767.*max_pixels="
    ):
        read_image(path, max_pixels=767)
    with pytest.raises(ValueError, match="max_pixels must be an integer >= 1, got 0"):
        read_image(path, max_pixels=0)
    assert DEFAULT_MAX_PIXELS == int(1024 * 1024 * 1024 // 4 // 3)  # Pillow's default limit


def test_bomb_names_max_pixels_and_pillow_limit_is_left_alone(tmp_path, small_image, monkeypatch):
    with pytest.raises(
        ImageTooLargeError, match=r"1,600,000,000 pixels, more than the limit of 89,478,485.*max_pixels="
    ):
        read_image(make_input("bomb", tmp_path))
    # A limit above Pillow's own is honoured for this call only; Pillow's global is restored.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    save_rgb(tmp_path / "x.png", small_image)  # 768 pixels, above Pillow's 2 x 100
    np.testing.assert_array_equal(read_image(tmp_path / "x.png", max_pixels=1000), small_image)
    np.testing.assert_array_equal(read_image(tmp_path / "x.png", max_pixels=None), small_image)
    assert Image.MAX_IMAGE_PIXELS == 100
    with pytest.raises(ImageTooLargeError, match="more than the limit of 700"):
        read_image(tmp_path / "x.png", max_pixels=700)
    assert Image.MAX_IMAGE_PIXELS == 100


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it after."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_new_file_gets_the_mode_of_a_plain_write(tmp_path, small_image, umask, mask, expected, suffix):
    umask(mask)
    save_rgb(tmp_path / f"new{suffix}", small_image)
    with open(tmp_path / "plain", "w"):
        pass
    assert _mode(tmp_path / f"new{suffix}") == _mode(tmp_path / "plain") == expected


def test_overwrite_keeps_the_existing_mode(tmp_path, small_image, umask):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    umask(0o022)
    save_palette_png(target, np.array([[0, 0, 0], [255, 255, 255]], np.uint8), np.eye(4, dtype=np.uint8))
    assert _mode(target) == 0o640
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


@pytest.mark.parametrize("relative", [True, False])
def test_symlinked_output_is_written_through(tmp_path, small_image, relative):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "image.png"
    target.write_bytes(b"old")
    target.chmod(0o604)
    link = tmp_path / "link.png"
    link.symlink_to(os.path.join("real", "image.png") if relative else target)
    n_bytes = save_rgb(link, small_image)
    assert link.is_symlink() and os.readlink(link) == (os.path.join("real", "image.png") if relative else str(target))
    assert n_bytes == target.stat().st_size
    np.testing.assert_array_equal(read_image(target), small_image)
    assert _mode(target) == 0o604
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["image.png"]  # no temporary file left


def test_dangling_symlink_creates_its_target_and_a_loop_is_refused(tmp_path, small_image):
    (tmp_path / "dangling.png").symlink_to("made.png")
    save_rgb(tmp_path / "dangling.png", small_image)
    assert (tmp_path / "dangling.png").is_symlink()
    np.testing.assert_array_equal(read_image(tmp_path / "made.png"), small_image)
    (tmp_path / "a.png").symlink_to("b.png")
    (tmp_path / "b.png").symlink_to("a.png")
    with pytest.raises(ImageError, match=r"a\.png: symbolic link loop"):
        save_rgb(tmp_path / "a.png", small_image)


def test_output_that_is_not_a_regular_file_is_refused(tmp_path, small_image):
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(ImageError, match=r"pipe\.png: exists and is not a regular file"):
        save_rgb(tmp_path / "pipe.png", small_image)


def test_save_quantized_png_over_256_colours_is_refused_like_the_cli(tmp_path):
    palette = np.stack([np.arange(300) % 256, np.arange(300) // 256, np.zeros(300)], axis=1).astype(np.uint8)
    labels = np.arange(300, dtype=np.uint16).reshape(15, 20)
    with pytest.raises(
        ValueError, match=r"^K=300: a palette PNG holds at most 256 colours; use a \.jpg, \.webp or \.tif"
    ):
        save_quantized(tmp_path / "q.png", palette, labels)
    assert not list(tmp_path.iterdir())
    save_quantized(tmp_path / "q.tif", palette, labels)
    np.testing.assert_array_equal(read_image(tmp_path / "q.tif"), palette[labels])


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp"])
def test_save_quantized_lossless_formats_hold_palette_of_labels(tmp_path, suffix):
    rng = np.random.default_rng(5)
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    labels = rng.integers(0, 16, (30, 41), dtype=np.uint8)
    n_bytes = save_quantized(tmp_path / f"q{suffix}", palette, labels)
    assert n_bytes == (tmp_path / f"q{suffix}").stat().st_size
    np.testing.assert_array_equal(read_image(tmp_path / f"q{suffix}"), palette[labels])


# --------------------------------------------------------------------------- RGBA palette PNGs (tRNS)


def _chunks(data: bytes) -> dict[bytes, bytes]:
    """PNG chunks by type (the last of each type)."""
    chunks, at = {}, 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        chunks[data[at + 4 : at + 8]] = data[at + 8 : at + 8 + length]
        at += 12 + length
    return chunks


@pytest.mark.parametrize("k", [2, 3, 16, 40, 256])
def test_rgba_palette_png_round_trip(tmp_path, k):
    from kmeans_lab import quantize

    from .bad_files import soft_disc_rgba

    rgba = soft_disc_rgba(64, 80)
    rgba[::7, ::5, 3] = np.random.default_rng(1).integers(1, 255, rgba[::7, ::5, 3].shape)  # more alpha levels
    q = quantize(rgba, k) if k < 256 else quantize(rgba, k, max_iter=5)
    path = tmp_path / "q.png"
    q.save(path)
    data = path.read_bytes()
    chunks = _chunks(data)
    assert chunks[b"IHDR"][9] == 3 and chunks[b"IHDR"][8] == palette_png_bit_depth(q.k)  # indexed, smallest depth
    alpha = q.palette.colors[:, 3]
    assert len(chunks[b"tRNS"]) == np.count_nonzero(alpha < 255)  # translucent entries first, the rest implied
    assert sorted(chunks[b"tRNS"]) == sorted(alpha[alpha < 255].tolist())
    back = read_image(path)
    np.testing.assert_array_equal(back, q.image)  # colours and alpha as quantized
    transparent = rgba[..., 3] == 0
    assert (back[transparent] == 0).all()  # fully transparent stays fully transparent
    with Image.open(path) as im:
        assert im.mode == "P" and isinstance(im.info["transparency"], bytes)


def test_opaque_rgba_palette_writes_no_trns(tmp_path):
    palette = np.array([[1, 2, 3, 255], [4, 5, 6, 255]], np.uint8)
    save_palette_png(tmp_path / "o.png", palette, np.array([[0, 1]]))
    assert b"tRNS" not in _chunks((tmp_path / "o.png").read_bytes())
    assert read_image(tmp_path / "o.png").tolist() == [[[1, 2, 3], [4, 5, 6]]]


@pytest.mark.parametrize("suffix", [".webp", ".tif"])
def test_rgba_quantized_in_formats_with_alpha(tmp_path, suffix):
    palette = np.array([[0, 0, 0, 0], [200, 10, 10, 255], [10, 200, 10, 100]], np.uint8)
    labels = np.tile(np.array([[0, 1, 2, 1]], np.uint8), (4, 2))
    save_quantized(tmp_path / f"q{suffix}", palette, labels)
    back = read_image(tmp_path / f"q{suffix}")
    assert back.shape == (4, 8, 4)
    if suffix == ".tif":
        np.testing.assert_array_equal(back, palette[labels])
    assert (back[..., 3][labels == 0] == 0).all()


@pytest.mark.parametrize("suffix", [".jpg", ".bmp", ".pdf", ".gif"])
def test_rgba_refused_by_formats_without_alpha(tmp_path, suffix):
    palette = np.array([[0, 0, 0, 0], [200, 10, 10, 255]], np.uint8)
    with pytest.raises(ValueError, match=rf"q\{suffix}: \w+ cannot store transparency"):
        save_quantized(tmp_path / f"q{suffix}", palette, np.array([[0, 1]]))
    with pytest.raises(ValueError, match="cannot store transparency"):
        save_rgb(tmp_path / f"q{suffix}", palette[np.array([[0, 1]])])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_with_alpha(tmp_path, orientation):
    stored = np.random.default_rng(orientation).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    stored[0, :, 3] = 0
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored, "RGBA").save(tmp_path / "o.png", exif=exif)
    with Image.open(tmp_path / "o.png") as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGBA"))
    np.testing.assert_array_equal(read_image(tmp_path / "o.png"), expected)


def test_transparency_found_and_read_in_strips(tmp_path, monkeypatch):
    """A palette image whose only transparent pixels lie in its last strip: found, and read strip by strip."""
    import kmeans_lab.image as image_module

    monkeypatch.setattr(image_module, "_STRIP_PIXELS", 3 * 20)  # strips of 3 rows
    index = np.zeros((13, 20), np.uint8)
    index[-1, 5:9] = 1
    p = Image.fromarray(index, "P")
    p.putpalette([10, 20, 30, 40, 50, 60])
    p.save(tmp_path / "p.png", transparency=bytes([255, 0]))
    got = read_image(tmp_path / "p.png")
    assert got.shape == (13, 20, 4)
    assert (got[..., 3] == np.where(index == 1, 0, 255)).all()
    assert (got[index == 0][:, :3] == [10, 20, 30]).all()


def test_optimize_recompresses_a_png_losslessly_and_smaller(tmp_path):
    from kmeans_lab import quantize
    from kmeans_lab.lab.paths import data_path

    image = read_image(data_path("chelsea.png"))
    q = quantize(image, 32)
    plain = q.save(tmp_path / "plain.png")
    optimized = q.save(tmp_path / "optimized.png", optimize=True)
    np.testing.assert_array_equal(read_image(tmp_path / "optimized.png"), q.image)
    assert optimized == (tmp_path / "optimized.png").stat().st_size < plain
    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    rgba[:20, :, 3] = 0
    rgba[20:40, :, 3] = 128
    qa = quantize(rgba, 16)
    qa.save(tmp_path / "alpha.png", optimize=True)
    np.testing.assert_array_equal(read_image(tmp_path / "alpha.png"), qa.image)
