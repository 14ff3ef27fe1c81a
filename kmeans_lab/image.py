"""Reading and writing image files.

Reading gives an ``(H, W, 3) uint8`` sRGB array whatever the file holds (EXIF orientation
applied; grayscale, palette, CMYK, 16-bit and alpha images converted). Writing is atomic:
the image goes to a temporary file in the destination folder that is renamed over the
target only once it is complete, so a failed save never leaves a partial file.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._validation import check_palette_size

__all__ = [
    "ImageError",
    "read_image",
    "save_rgb",
    "save_palette_png",
    "save_quantized",
    "palette_png_bit_depth",
    "palette_png_encoder",
    "check_output_path",
    "OUTPUT_FORMATS",
]

#: Output formats by file suffix (Pillow format names).
OUTPUT_FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".pdf": "PDF",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
}


class ImageError(ValueError):
    """An image file cannot be read or written; the message names the file and the problem."""


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as an sRGB array.

    Parameters
    ----------
    path : str or path-like
        Any file Pillow can decode.

    Returns
    -------
    ndarray of shape (H, W, 3), dtype uint8
        The pixels, with EXIF orientation applied. Grayscale, palette and CMYK images are
        converted to RGB; 16-bit samples are scaled to 8 bits; transparent pixels are
        composited on white (a ``UserWarning`` says so).

    Raises
    ------
    ImageError
        The file is missing, a directory, empty, not an image, truncated or corrupt, or
        larger than Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``).
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a directory, not an image file")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the limit and twice the limit; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()  # decode everything now, so truncation is caught here
                im = ImageOps.exif_transpose(im)
                return _to_rgb(im, path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"{path}: image too large ({exc}); raise PIL.Image.MAX_IMAGE_PIXELS if it is trusted"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file that Pillow can read") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{path}: truncated or corrupt image file ({exc})") from None


def _to_rgb(im: Image.Image, path: Path) -> np.ndarray:
    """Convert any Pillow mode to an (H, W, 3) uint8 array."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Pillow's own conversion of 16-bit/float data to 8 bits clips instead of scaling.
        samples = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or samples.max(initial=0) > 255 else 255.0
        gray = np.clip(np.rint(samples * (255.0 / top)), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB") and "transparency" in im.info
    )
    if has_alpha:
        rgba = im.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"))
        if alpha.min() < 255:
            warnings.warn(f"{path.name}: transparent pixels composited on white", UserWarning, stacklevel=3)
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return np.array(im.convert("RGB"), dtype=np.uint8)


def palette_png_bit_depth(n_colors: int) -> int:
    """Smallest PNG palette bit depth (1, 2, 4 or 8) that holds ``n_colors`` entries.

    Examples
    --------
    >>> [palette_png_bit_depth(k) for k in (2, 3, 16, 17)]
    [1, 2, 4, 8]
    """
    if n_colors < 1:
        raise ValueError(f"a palette PNG needs at least 1 colour, not {n_colors}")
    check_palette_size(n_colors)
    return next(bits for bits in (1, 2, 4, 8) if n_colors <= 1 << bits)


def check_output_path(path: str | os.PathLike, *, inputs: tuple[str | os.PathLike, ...] = ()) -> Path:
    """Validate an output path before any work is done.

    Raises
    ------
    ImageError
        The suffix names no supported format, the folder does not exist, the path is a
        directory, or it is one of ``inputs`` (an input file is never overwritten).
    """
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        known = ", ".join(sorted(OUTPUT_FORMATS))
        raise ImageError(f"{path}: unsupported output format {path.suffix!r} (use one of {known})")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ImageError(f"{path}: output folder {parent} does not exist")
    if path.is_dir():
        raise ImageError(f"{path}: is a directory")
    for source in inputs:
        source = Path(source)
        same = path.resolve() == source.resolve()
        if not same and path.exists() and source.exists():
            same = os.path.samefile(path, source)
        if same:
            raise ImageError(f"{path}: output is the input file; refusing to overwrite it")
    return path


def _atomic_save(im: Image.Image, path: Path, **options) -> int:
    """Save through a temporary file in the same folder, then rename; return bytes written."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        check_output_path(path)  # raises with the list of formats
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ImageError(f"{path}: output folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            im.save(handle, format=fmt, **options)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImageError(f"{path}: could not write ({exc})") from None
        raise
    return path.stat().st_size


def _format_options(fmt: str) -> dict:
    if fmt == "PNG":
        return {"optimize": True}
    if fmt == "JPEG":
        return {"quality": 95}
    if fmt == "PDF":
        return {"resolution": 72.0, "quality": 95}
    return {}


def save_rgb(path: str | os.PathLike, rgb: np.ndarray) -> int:
    """Save an (H, W, 3) uint8 array in the format named by the suffix; return bytes written."""
    path = Path(path)
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 array, got shape {rgb.shape} dtype {rgb.dtype}")
    fmt = OUTPUT_FORMATS.get(path.suffix.lower(), "")
    return _atomic_save(Image.fromarray(rgb, "RGB"), path, **_format_options(fmt))


def save_palette_png(path: str | os.PathLike, palette: np.ndarray, labels: np.ndarray) -> int:
    """Save an indexed-colour PNG with the smallest bit depth that holds the palette.

    Parameters
    ----------
    path : path-like
        Destination, a ``.png`` file.
    palette : ndarray of shape (K, 3), dtype uint8
        The colours, 1 ≤ K ≤ 256.
    labels : ndarray of shape (H, W), integer
        Palette index of each pixel, each in ``[0, K)``.

    Returns
    -------
    int
        Bytes written (Pillow ``optimize=True``).
    """
    im, options = palette_png_encoder(palette, labels)
    return _atomic_save(im, Path(path), **options)


def palette_png_encoder(palette: np.ndarray, labels: np.ndarray) -> tuple[Image.Image, dict]:
    """The Pillow image and save options of a palette PNG (shared by saving and measuring).

    Parameters
    ----------
    palette : ndarray of shape (K, 3), dtype uint8
        The colours, 1 ≤ K ≤ 256.
    labels : ndarray of shape (H, W), integer
        Palette index of each pixel, each in ``[0, K)``.

    Returns
    -------
    image : PIL.Image.Image
        Mode ``"P"`` with ``palette`` as its palette.
    options : dict
        Keyword arguments for ``Image.save(..., format="PNG", **options)``: ``optimize=True``
        and the smallest bit depth (1, 2, 4 or 8) that holds K colours.
    """
    palette = np.asarray(palette, dtype=np.uint8)
    k = len(palette)
    bits = palette_png_bit_depth(k)
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be (H, W), got shape {labels.shape}")
    im = Image.fromarray(labels.astype(np.uint8, copy=False), "P")
    im.putpalette(palette.reshape(-1).tolist(), rawmode="RGB")
    return im, {"optimize": True, "bits": bits}


def save_quantized(path: str | os.PathLike, palette: np.ndarray, labels: np.ndarray) -> int:
    """Save a quantized image in the format named by the suffix.

    ``.png`` gives a palette PNG when K ≤ 256 (a 24-bit PNG otherwise); every other format
    is written as RGB. Returns the bytes written.
    """
    path = Path(path)
    if path.suffix.lower() == ".png" and len(palette) <= 256:
        return save_palette_png(path, palette, labels)
    return save_rgb(path, np.asarray(palette, dtype=np.uint8)[labels])
