"""Bad input files for the error-handling tests of the command line and of read_image."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def bomb_png() -> bytes:
    """A valid PNG header announcing 40000×40000 pixels (far above Pillow's limit)."""
    data = bytearray(png_bytes(np.zeros((1, 1, 3), np.uint8)))
    ihdr = data[12:29]  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", 40000, 40000)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def noise(h=64, w=64) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)


def png16_rgba_bytes(rgba16: np.ndarray) -> bytes:
    """A 16-bit RGBA PNG (colour type 6, bit depth 16), which Pillow reads but cannot write."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    h, w = rgba16.shape[:2]
    big_endian = rgba16.astype(">u2")
    raw = b"".join(b"\x00" + big_endian[y].tobytes() for y in range(h))
    header = struct.pack(">IIBBBBB", w, h, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def soft_disc_rgba(h=48, w=64) -> np.ndarray:
    """Noise with a soft round alpha: opaque centre, translucent ring, fully transparent corners."""
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((yy - h / 2) / (h / 2), (xx - w / 2) / (w / 2))
    alpha = np.clip((1.0 - r) / 0.4 * 255, 0, 255).astype(np.uint8)
    return np.dstack([noise(h, w) // 32 * 32, alpha])


def alpha_input(kind: str, tmp: Path) -> tuple[Path, np.ndarray]:
    """An input file with transparency and the RGBA pixels it holds (fully transparent ones as (0, 0, 0, 0))."""
    rgba = soft_disc_rgba()
    path = tmp / "input.png"
    if kind == "rgba":
        Image.fromarray(rgba, "RGBA").save(path)
    elif kind == "rgba16":
        wide = rgba.astype(np.uint16) * 257 + np.random.default_rng(1).integers(0, 200, rgba.shape).astype(np.uint16)
        wide[..., 3] = rgba[..., 3].astype(np.uint16) * 257  # 0 stays 0, 255 stays 65535
        path.write_bytes(png16_rgba_bytes(wide))
        rgba = (wide >> 8).astype(np.uint8)
    elif kind == "la":
        gray = rgba[..., 0]
        Image.fromarray(np.dstack([gray, rgba[..., 3]]), "LA").save(path)
        rgba = np.dstack([gray, gray, gray, rgba[..., 3]])
    elif kind == "p_transparency":
        palette = np.array([[250, 0, 0], [0, 0, 0], [0, 90, 200], [20, 200, 20]], np.uint8)
        index = np.random.default_rng(2).integers(0, 4, rgba.shape[:2]).astype(np.uint8)
        index[:10] = 1  # the transparent entry
        im = Image.fromarray(index, "P")
        im.putpalette(palette.reshape(-1).tolist())
        im.save(path, transparency=bytes([255, 0, 128, 255]))
        rgba = np.dstack([palette[index], np.array([255, 0, 128, 255], np.uint8)[index]])
    else:
        raise ValueError(kind)
    rgba = rgba.copy()
    rgba[rgba[..., 3] == 0] = 0
    return path, rgba


def make_input(kind: str, tmp: Path) -> Path:
    path = tmp / "input.png"
    if kind == "missing":
        return tmp / "nope.png"
    if kind == "directory":
        (tmp / "folder.png").mkdir()
        return tmp / "folder.png"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not an image\n")
    elif kind == "truncated_png":
        path.write_bytes(png_bytes(noise())[:2000])
    elif kind == "truncated_jpeg":
        path = tmp / "input.jpg"
        path.write_bytes(jpeg_bytes(noise(256, 256))[:3000])
    elif kind == "bomb":
        path.write_bytes(bomb_png())
    else:
        path.write_bytes(png_bytes(noise()))
    return path


FILE_CASES = [
    ("missing", r"nope\.png: no such file"),
    ("directory", r"folder\.png: is a directory"),
    ("empty", r"input\.png: empty file \(0 bytes\)"),
    ("text", r"input\.png: not an image file"),
    ("truncated_png", r"input\.png: truncated or corrupt image file"),
    ("truncated_jpeg", r"input\.jpg: truncated or corrupt image file"),
    ("bomb", r"input\.png: image too large"),
]


#: Multi-frame files read_image takes the first frame of, with a note: (suffix, Pillow save options).
MULTI_FRAME_FORMATS = [
    (".gif", {"duration": 100, "loop": 0}),
    (".png", {"duration": 100}),  # APNG
    (".webp", {"lossless": True, "duration": 100}),
    (".tif", {}),
]
#: The flat colours of the frames, first frame first.
FRAME_COLORS = [(255, 0, 0), (0, 0, 255), (0, 255, 0)]


def multi_frame_file(path: Path, **options) -> Path:
    """Three flat 8x6 frames (red, blue, green), saved with ``save_all`` (an animation or pages)."""
    frames = [Image.new("RGB", (8, 6), color) for color in FRAME_COLORS]
    frames[0].save(path, save_all=True, append_images=frames[1:], **options)
    return path
