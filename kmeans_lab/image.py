"""Reading and writing image files.

Reading gives an ``(H, W, 3) uint8`` sRGB array whatever the file holds (EXIF orientation
applied; grayscale, palette, CMYK and 16-bit images converted), or ``(H, W, 4)`` RGBA (straight
alpha) when some pixel of the file is not opaque — unless a background colour is given to
composite it on — decoding at most ``max_pixels`` pixels. A palette PNG of an RGBA palette
carries the entries' alpha in a ``tRNS`` chunk. Writing is atomic: the image goes to a hidden temporary file
``.NAME.xxxxxxxx.tmp`` in the destination folder that is renamed over the target only once it
is complete, so a failed or interrupted save never leaves a partial file (only SIGKILL or a
crash can leave the temporary file behind). The file gets the mode a plain ``open(path, "w")``
would give: a new file ``0o666 & ~umask``, an existing file keeps its mode (and, where the
process may, its owner); an output that is a symbolic link is written through: the link stays
and the file it points to is replaced.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from ._optional import require
from ._validation import check, check_palette_size
from .order import order_palette

__all__ = [
    "ImageError",
    "ImageTooLargeError",
    "DEFAULT_MAX_PIXELS",
    "read_image",
    "save_rgb",
    "save_palette_png",
    "save_quantized",
    "atomic_write",
    "gif_options",
    "open_image",
    "probe_image",
    "read_palette",
    "ImageInfo",
    "palette_png_bit_depth",
    "palette_png_encoder",
    "check_output_path",
    "check_quantized_output",
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
    ".gif": "GIF",
}

# Output formats without an alpha channel.
_NO_ALPHA_SUFFIXES = (".jpg", ".jpeg", ".bmp", ".pdf", ".gif")

#: Default ``max_pixels`` of :func:`read_image`: Pillow's default decompression-bomb limit
#: (``PIL.Image.MAX_IMAGE_PIXELS`` as Pillow ships it, 1 GiB / 4 bytes / 3), about 89.5 megapixels.
DEFAULT_MAX_PIXELS = 1024 * 1024 * 1024 // 4 // 3

# Pixels converted per strip: the Pillow image and the array are the only full-size copies.
_STRIP_PIXELS = 1 << 20
# Pillow keeps its limit in one module global; read_image raises it (and restores it) under this lock.
_PILLOW_LIMIT_LOCK = threading.Lock()
# Formats whose extra frames are not an animation (camera previews, Photoshop layers): no note.
_FRAMES_NOT_ANIMATION = {"MPO", "PSD"}
_MULTI_FRAME_KINDS = {
    "GIF": "animated GIF",
    "PNG": "animated PNG",
    "WEBP": "animated WebP",
    "TIFF": "multi-page TIFF",
}
_ORIENTATION = 0x0112  # EXIF tag
# Modes with an alpha band (straight or premultiplied), alpha last.
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


class ImageError(ValueError):
    """An image file cannot be read or written; the message names the file and the problem."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than ``max_pixels`` allows (a possible decompression bomb).

    Attributes
    ----------
    path : pathlib.Path
    pixels : int or None
        Pixels the file announces (None when Pillow refused it without saying).
    limit : int
        The ``max_pixels`` in force.
    """

    def __init__(self, path: Path, pixels: int | None, limit: int, advice: str = "") -> None:
        self.path, self.pixels, self.limit = path, pixels, limit
        size = "" if pixels is None else f"{pixels:,} pixels, "
        advice = advice or "pass read_image(..., max_pixels=N) a larger N, or None for no limit"
        super().__init__(
            f"{path}: image too large ({size}more than the limit of {limit:,}: a possible decompression bomb); "
            f"if the file is trusted, {advice}"
        )


def read_image(
    path: str | os.PathLike,
    *,
    background: str | tuple[int, int, int] | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Read an image file as an sRGB array, with its transparency or composited on a background.

    Parameters
    ----------
    path : str or path-like
        Any file Pillow can decode. Of an animation or a multi-page file (GIF, APNG, WebP,
        TIFF) only the first frame is read, and a ``UserWarning`` says so.
    background : colour or None, default None
        ``None`` keeps transparency: a file with an alpha channel or a transparent colour
        (RGBA, LA, palette or grayscale PNG with ``tRNS``, GIF, WebP, ...) in which some pixel
        is not fully opaque is returned as ``(H, W, 4)`` RGBA. A colour — a name
        (``"white"``), ``"#rrggbb"``, ``"R,G,B"`` or an ``(r, g, b)`` tuple — composites the
        image on it (Pillow's ``alpha_composite``) and returns ``(H, W, 3)``, as
        ``background="white"`` did by default before.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS (89,478,485, Pillow's default limit)
        Refuse files announcing more pixels than this before decoding them (decompression
        bombs); ``None`` for no limit. A limit above ``PIL.Image.MAX_IMAGE_PIXELS`` raises
        Pillow's global limit for the duration of the decode, under a lock, and restores it.

    Returns
    -------
    ndarray of shape (H, W, 3) or (H, W, 4), dtype uint8
        The pixels, with EXIF orientation applied. Grayscale, palette and CMYK images are
        converted to RGB (RGBA with straight alpha when transparency is kept); 16-bit
        samples are scaled to 8 bits (16-bit RGBA and LA PNGs by Pillow, to the high byte).
        A file whose every pixel is opaque gives ``(H, W, 3)`` whatever its mode.

    Raises
    ------
    ImageError
        The file is missing, a directory, empty, unreadable (permission denied), not an
        image, truncated or corrupt; :class:`ImageTooLargeError` when it has more than
        ``max_pixels`` pixels.

    Notes
    -----
    Memory: the decoded Pillow image (4 bytes per pixel for RGB) and the returned array
    (3 bytes per pixel, 4 for RGBA) are the only full-size buffers; the conversion runs in
    strips of rows, EXIF rotations write straight into the rotated array, and the Pillow
    image is freed before returning. Peak about 7 bytes per pixel (8 for RGBA), 3 after.
    Whether a file with alpha has a transparent pixel is found by a first pass over its
    alpha (band extrema, or strips of a palette or colour-key image).
    """
    background = check("background", background)
    with open_image(path, max_pixels=max_pixels) as im:
        _note_frames(im, Path(path))
        im.load()  # decode everything now, so truncation is caught here
        return _to_array(im, background)


@contextmanager
def _pillow_limit(max_pixels: int | None) -> Iterator[None]:
    """Let Pillow decode up to ``max_pixels`` pixels (its own checks read one module global)."""
    current = Image.MAX_IMAGE_PIXELS
    if current is None or (max_pixels is not None and max_pixels <= current):
        yield  # read_image's own check is the stricter one
        return
    with _PILLOW_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _note_frames(im: Image.Image, path: Path) -> None:
    frames = getattr(im, "n_frames", 1)
    if frames > 1 and im.format not in _FRAMES_NOT_ANIMATION:
        kind = _MULTI_FRAME_KINDS.get(im.format, f"{im.format} file")
        warnings.warn(
            f"{path.name}: {kind} with {frames} frames; only the first frame is used "
            "(kmeans_lab.read_frames reads them all)",
            UserWarning,
            stacklevel=3,
        )


def _oriented(height: int, width: int, orientation: object, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The output array as the EXIF orientation makes it, and a view of it in file (stored) order.

    Writing the stored pixels into the view fills the output already rotated/flipped, as
    ``ImageOps.exif_transpose`` would, without a second full-size copy.
    """
    if orientation in (5, 6, 7, 8):
        out = np.empty((width, height, channels), dtype=np.uint8)
        swapped = out.transpose(1, 0, 2)
        stored = {5: swapped, 6: swapped[::-1, :], 7: swapped[::-1, ::-1], 8: swapped[:, ::-1]}[orientation]
    else:
        out = np.empty((height, width, channels), dtype=np.uint8)
        stored = {2: out[:, ::-1], 3: out[::-1, ::-1], 4: out[::-1]}.get(orientation, out)
    return out, stored


def _to_array(im: Image.Image, background: tuple[int, int, int] | None) -> np.ndarray:
    """Convert any Pillow mode to an (H, W, 3) or (H, W, 4) uint8 array, strip by strip, EXIF orientation applied."""
    width, height = im.size
    convert, channels = _strip_converter(im, background)
    out, stored = _oriented(height, width, im.getexif().get(_ORIENTATION, 1), channels)
    rows = max(1, _STRIP_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        stored[top:bottom] = convert(im.crop((0, top, width, bottom)))
    return out


def _strips(im: Image.Image) -> Iterator[Image.Image]:
    width, height = im.size
    rows = max(1, _STRIP_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        yield im.crop((0, top, width, min(height, top + rows)))


def _has_alpha(im: Image.Image) -> bool:
    """Whether the image's mode can hold transparency (an alpha band, or a transparent colour or index)."""
    return im.mode in _ALPHA_MODES or (im.mode in ("P", "L", "RGB") and "transparency" in im.info)


def _is_transparent(im: Image.Image) -> bool:
    """Whether some pixel of an image with :func:`_has_alpha` is not fully opaque."""
    if im.mode in _ALPHA_MODES:
        return im.getextrema()[-1][0] < 255  # alpha is the last band; no copy
    return any(strip.convert("RGBA").getchannel("A").getextrema()[0] < 255 for strip in _strips(im))


def _strip_converter(
    im: Image.Image, background: tuple[int, int, int] | None
) -> tuple[Callable[[Image.Image], np.ndarray], int]:
    """A function turning a strip of ``im`` into (h, W, C) or (h, W, 1) uint8, and C (3 or 4)."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Pillow's own conversion of 16-bit/float data to 8 bits clips instead of scaling.
        top = 65535.0 if im.mode.startswith("I;16") or im.getextrema()[1] > 255 else 255.0

        def gray(strip: Image.Image) -> np.ndarray:
            samples = np.asarray(strip, dtype=np.float64)
            return np.clip(np.rint(samples * (255.0 / top)), 0, 255).astype(np.uint8)[:, :, None]

        return gray, 3

    if not _has_alpha(im):
        return (lambda strip: np.asarray(strip.convert("RGB"))), 3
    if background is None:
        if _is_transparent(im):
            return (lambda strip: np.asarray(strip.convert("RGBA"))), 4
        return (lambda strip: np.asarray(strip.convert("RGB"))), 3

    def composite(strip: Image.Image) -> np.ndarray:
        rgba = strip.convert("RGBA")
        behind = Image.new("RGBA", rgba.size, (*background, 255))
        return np.asarray(Image.alpha_composite(behind, rgba).convert("RGB"))

    return composite, 3


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


def check_output_path(
    path: str | os.PathLike, *, inputs: tuple[str | os.PathLike, ...] = (), k: int | None = None
) -> Path:
    """Validate an output path before any work is done.

    Parameters
    ----------
    path : path-like
        The file to write; a symbolic link is followed (the file it points to is written).
    inputs : tuple of path-like
        Files that must not be overwritten.
    k : int, optional
        Colours of the quantized image to be saved: a ``.png`` holds at most 256
        (:func:`check_quantized_output`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImageError
        The suffix names no supported format, the folder does not exist or cannot be
        written to (permission denied, read-only file system), the path is a directory or not
        a regular file, an existing file is read-only, a symbolic link loops, or the path is
        one of ``inputs`` (an input file is never overwritten).
    ValueError
        ``k`` is above 256 for a ``.png``.
    """
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        known = ", ".join(sorted(OUTPUT_FORMATS))
        raise ImageError(f"{path}: unsupported output format {path.suffix!r} (use one of {known})")
    try:
        target = _write_target(path)
        parent = target.parent
        if not parent.is_dir():
            raise ImageError(f"{path}: output folder {parent} does not exist")
        if target.is_dir():
            raise ImageError(f"{path}: is a directory")
        exists = target.exists()
        if exists and not target.is_file():
            raise ImageError(f"{path}: exists and is not a regular file")
        if any(_same_file(path, target, Path(source)) for source in inputs):
            raise ImageError(f"{path}: output is the input file; refusing to overwrite it")
        if not _may(parent, os.W_OK | os.X_OK):
            raise ImageError(f"{path}: cannot write in output folder {parent}: permission denied")
        if exists and not _may(target, os.W_OK):
            raise ImageError(f"{path}: permission denied (the existing file is read-only)")
    except PermissionError as exc:
        raise ImageError(f"{path}: permission denied ({exc.filename})") from None
    if k is not None:
        check_quantized_output(path, k)
    return path


def check_quantized_output(path: str | os.PathLike, k: int, *, alpha: bool = False) -> None:
    """Refuse a ``.png`` output for more than 256 colours, or transparency in a format without alpha.

    The command line calls this before quantizing and :func:`save_quantized` before saving,
    so both refuse alike: ``K=300: a palette PNG holds at most 256 colours; use a .jpg, .webp
    or .tif output``; with ``alpha``, ``out.jpg: JPEG cannot store transparency; ...``.

    Raises
    ------
    ValueError
    """
    suffix = Path(path).suffix.lower()
    if alpha and suffix in _NO_ALPHA_SUFFIXES:
        raise ValueError(
            f"{Path(path).name}: {OUTPUT_FORMATS[suffix]} cannot store transparency; "
            "write a .png, .webp or .tif, or composite the image on a background colour"
        )
    if suffix in (".png", ".gif"):
        kind = "a palette PNG" if suffix == ".png" else "a GIF"
        try:
            check_palette_size(k, f"{kind} holds", label="K")
        except ValueError as exc:
            raise ValueError(f"{exc}; use a .jpg, .webp or .tif output") from None


def _same_file(path: Path, target: Path, source: Path) -> bool:
    """Whether writing ``path`` (landing in ``target``) would overwrite ``source``; an unreadable source is not."""
    try:
        return path.resolve() == source.resolve() or (
            target.exists() and source.exists() and os.path.samefile(target, source)
        )
    except OSError:
        return False  # reading the input will name its problem


def _may(path: Path, mode: int) -> bool:
    """``os.access`` with the effective ids where the platform allows (root may write anywhere writable)."""
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def _write_target(path: Path) -> Path:
    """The file a write to ``path`` lands in: ``path``, or the end of its chain of symbolic links."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops inside a loop
        raise ImageError(f"{path}: symbolic link loop")
    return target


def _atomic_save(im: Image.Image, path: Path, **options) -> int:
    """Save a Pillow image atomically (:func:`atomic_write`) in the format of the suffix; return bytes written."""
    check_output_path(path)
    fmt = OUTPUT_FORMATS[path.suffix.lower()]
    return atomic_write(path, lambda handle: im.save(handle, format=fmt, **options))


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> int:
    """Write a file through a temporary file beside it, renamed over it when complete; return its bytes.

    Parameters
    ----------
    path : path-like
        The file to write; a symbolic link is written through (the link stays). Validate it
        first with :func:`check_output_path`.
    write : callable
        ``write(handle)`` writes the whole content to ``handle``, a binary file open for
        writing (seekable, as TIFF writers need).

    Returns
    -------
    int
        Bytes of the file written.

    Raises
    ------
    ImageError
        The file could not be written (``OSError``).

    Notes
    -----
    The temporary file ``.NAME.xxxxxxxx.tmp`` is created with ``0o666`` (the umask and a
    default ACL apply, as for any new file) or, when the target exists, with ``0o600`` and
    given the target's mode (and owner, where permitted) once written. It is removed on any
    exception, ``KeyboardInterrupt`` included.
    """
    path = Path(path)
    target = _write_target(path)
    try:
        previous = target.stat()
    except FileNotFoundError:
        previous = None
    tmp = None
    try:
        while True:
            tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if previous is None else 0o600)
                break
            except FileExistsError:  # someone else's temporary file: try another name
                tmp = None
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            if previous is not None:
                _copy_owner_and_mode(handle.fileno(), previous)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImageError(f"{path}: could not write ({exc})") from None
        raise
    return target.stat().st_size


def _copy_owner_and_mode(fd: int, previous: os.stat_result) -> None:
    if (previous.st_uid, previous.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, previous.st_uid, previous.st_gid)
        except PermissionError:
            pass  # only root may give a file away; the new file is ours, as with cp
    os.fchmod(fd, stat.S_IMODE(previous.st_mode))


def _format_options(fmt: str) -> dict:
    if fmt == "PNG":
        return {"optimize": True}
    if fmt == "JPEG":
        return {"quality": 95}
    if fmt == "PDF":
        return {"resolution": 72.0, "quality": 95}
    return {}


def save_rgb(path: str | os.PathLike, rgb: np.ndarray) -> int:
    """Save an (H, W, 3) uint8 array in the format named by the suffix; return bytes written.

    An (H, W, 4) array is saved as RGBA (straight alpha), in a format that holds alpha.
    """
    path = Path(path)
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] not in (3, 4) or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) or (H, W, 4) uint8 array, got shape {rgb.shape} dtype {rgb.dtype}")
    check_quantized_output(path, 1, alpha=rgb.shape[2] == 4)
    fmt = OUTPUT_FORMATS.get(path.suffix.lower(), "")
    return _atomic_save(Image.fromarray(rgb, "RGBA" if rgb.shape[2] == 4 else "RGB"), path, **_format_options(fmt))


def save_palette_png(path: str | os.PathLike, palette: np.ndarray, labels: np.ndarray) -> int:
    """Save an indexed-colour PNG with the smallest bit depth that holds the palette.

    Parameters
    ----------
    path : path-like
        Destination, a ``.png`` file.
    palette : ndarray of shape (K, 3) or (K, 4), dtype uint8
        The colours, 1 ≤ K ≤ 256; RGBA (straight alpha) gives a ``tRNS`` chunk
        (:func:`palette_png_encoder`).
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
    palette : ndarray of shape (K, 3) or (K, 4), dtype uint8
        The colours, 1 ≤ K ≤ 256; RGBA with straight alpha.
    labels : ndarray of shape (H, W), integer
        Palette index of each pixel, each in ``[0, K)``.

    Returns
    -------
    image : PIL.Image.Image
        Mode ``"P"`` with ``palette`` as its palette.
    options : dict
        Keyword arguments for ``Image.save(..., format="PNG", **options)``: ``optimize=True``,
        the smallest bit depth (1, 2, 4 or 8) that holds K colours and, for an RGBA palette
        with an entry that is not opaque, ``transparency``: the alpha of the entries.

    Notes
    -----
    For an RGBA palette the entries that are not opaque are written first (the labels
    renumbered to match), so the ``tRNS`` chunk stops after the last of them: PNG takes the
    entries it does not list as opaque. The file decodes to ``palette[labels]`` exactly;
    only the order of the entries in it differs.
    """
    palette = np.asarray(palette, dtype=np.uint8)
    k = len(palette)
    bits = palette_png_bit_depth(k)
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be (H, W), got shape {labels.shape}")
    options: dict = {"optimize": True, "bits": bits}
    if palette.ndim == 2 and palette.shape[1] == 4:
        alpha = palette[:, 3]
        order = np.argsort(alpha == 255, kind="stable")  # entries that are not opaque first
        renumber = np.empty(k, dtype=np.uint8)
        renumber[order] = np.arange(k, dtype=np.uint8)
        palette, labels = palette[order], renumber[labels]
        n_translucent = int(np.count_nonzero(alpha < 255))
        if n_translucent:
            options["transparency"] = palette[:n_translucent, 3].tobytes()
        palette = palette[:, :3]
    im = Image.fromarray(labels.astype(np.uint8, copy=False), "P")
    im.putpalette(palette.reshape(-1).tolist(), rawmode="RGB")
    return im, options


def save_quantized(path: str | os.PathLike, palette: np.ndarray, labels: np.ndarray, *, optimize: bool = False) -> int:
    """Save a quantized image in the format named by the suffix; return bytes written.

    ``.png`` gives a palette PNG (:func:`save_palette_png`, with ``tRNS`` for an RGBA
    palette) and ``.gif`` a one-frame GIF with the palette as its colour table
    (:func:`gif_options`); both need K ≤ 256. Every other format is written as RGB, or as
    RGBA for an RGBA palette (``.webp`` and ``.tif`` only: the others have no alpha).

    Parameters
    ----------
    path : path-like
    palette : ndarray of shape (K, 3) or (K, 4), uint8
    labels : ndarray of shape (H, W), integer in ``[0, K)``
    optimize : bool, default False
        For a ``.png``: renumber the palette so that entries that touch are neighbours
        (:func:`kmeans_lab.order.order_palette`) and recompress the file losslessly with
        oxipng (the ``optimize`` extra, ``pyoxipng``; ``ImportError`` without it). The
        pixels are the same; other formats ignore it.

    Raises
    ------
    ValueError
        A ``.png`` for K > 256, as the command line says (:func:`check_quantized_output`);
        an RGBA palette for a format without alpha.
    ImageError
        The path cannot be written (:func:`check_output_path`).
    """
    path = Path(path)
    palette = np.asarray(palette, dtype=np.uint8)
    check_quantized_output(path, len(palette), alpha=palette.shape[1] == 4)
    if path.suffix.lower() == ".png":
        if optimize:
            return _save_optimized_png(path, *order_palette(palette, labels))
        return save_palette_png(path, palette, labels)
    if path.suffix.lower() == ".gif":
        im, _ = palette_png_encoder(palette, labels)
        return _atomic_save(im, path, **gif_options(palette))
    fmt = OUTPUT_FORMATS.get(path.suffix.lower(), "")
    mode = "RGBA" if palette.shape[1] == 4 else "RGB"
    if len(palette) <= 256:
        # Pillow expands the indices itself: one 4-byte-per-pixel image, no NumPy copy.
        im, options = palette_png_encoder(palette, labels)
        if "transparency" in options:
            im.info["transparency"] = options["transparency"]
        return _atomic_save(im.convert(mode), path, **_format_options(fmt))
    if mode == "RGBA":
        return _atomic_save(Image.fromarray(palette[labels], "RGBA"), path, **_format_options(fmt))
    return save_rgb(path, palette[labels])


def _save_optimized_png(path: Path, palette: np.ndarray, labels: np.ndarray) -> int:
    """A palette PNG recompressed by oxipng (it tries PNG's filters, which an ordered palette helps)."""
    oxipng = require("oxipng", "optimize=True (lossless PNG recompression)", extra="optimize")
    check_output_path(path)
    im, options = palette_png_encoder(palette, labels)
    buffer = io.BytesIO()
    im.save(buffer, format="PNG", **options)
    data = oxipng.optimize_from_memory(buffer.getvalue(), level=2)
    return atomic_write(path, lambda handle: handle.write(data))


def gif_options(palette: np.ndarray) -> dict:
    """Pillow ``save`` options that write mode-``"P"`` frames as GIF with exactly this palette.

    ``palette=`` makes it the one global colour table (without it every frame after the
    first gets a local table) and ``optimize=False`` keeps the indices as given (Pillow's
    default renumbers the colours of small frames).

    Parameters
    ----------
    palette : ndarray of shape (K, 3), uint8
        Distinct colours, K ≤ 256.
    """
    return {"palette": np.asarray(palette, dtype=np.uint8).tobytes(), "optimize": False}


class ImageInfo(NamedTuple):
    """What an image file announces, read from its header without decoding its pixels."""

    path: Path
    format: str
    width: int
    height: int
    n_frames: int

    @property
    def animated(self) -> bool:
        """More than one frame, and the frames are an animation or pages (not an MPO preview or PSD layers)."""
        return self.n_frames > 1 and self.format not in _FRAMES_NOT_ANIMATION


@contextmanager
def open_image(path: str | os.PathLike, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Iterator[Image.Image]:
    """Open an image file with Pillow, with the checks and errors of :func:`read_image`.

    The file is not decoded on entry; decoding inside the ``with`` block (``load``,
    ``seek``, ``convert``) raises :class:`ImageError` as :func:`read_image` does for a
    truncated or corrupt file. The file is closed on exit.

    Parameters
    ----------
    path : path-like
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        As in :func:`read_image`: a limit on width × height (of one frame).

    Yields
    ------
    PIL.Image.Image

    Raises
    ------
    ImageError
        As :func:`read_image`.
    """
    max_pixels = check("max_pixels", max_pixels)
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ImageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(f"{path}: is a directory, not an image file")
    if info.st_size == 0:
        raise ImageError(f"{path}: empty file (0 bytes)")
    try:
        with _pillow_limit(max_pixels), warnings.catch_warnings():
            # Pillow only warns between its limit and twice the limit; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            try:
                width, height = im.size
                if max_pixels is not None and width * height > max_pixels:
                    raise ImageTooLargeError(path, width * height, max_pixels)
                yield im
            finally:
                im.close()  # frees the decoded image before the caller goes on
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        announced = re.search(r"\((\d+) pixels\)", str(exc))
        limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
        raise ImageTooLargeError(path, announced and int(announced[1]), limit) from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file that Pillow can read") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{path}: truncated or corrupt image file ({exc})") from None


def probe_image(path: str | os.PathLike, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Check that a file is an image :func:`read_image` would accept, from its header alone.

    Cheap (no pixel is decoded; counting the frames of a GIF reads its frame headers), so
    a command can check every input before any work. A truncated file is only found when
    decoded.

    Returns
    -------
    ImageInfo

    Raises
    ------
    ImageError
        As :func:`read_image`: missing, a directory, empty, unreadable, not an image, or
        more than ``max_pixels`` pixels.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "a.png"
    >>> _ = save_rgb(path, np.zeros((2, 3, 3), np.uint8))
    >>> probe_image(path)[1:]
    ('PNG', 3, 2, 1)
    """
    with open_image(path, max_pixels=max_pixels) as im:
        return ImageInfo(Path(path), str(im.format), im.size[0], im.size[1], int(getattr(im, "n_frames", 1)))


def read_palette(
    path: str | os.PathLike, *, max_colors: int = 256, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """The palette of an image file, to remap other images to (pngquant's ``--map``).

    A palette PNG gives its colour table (``PLTE``, every entry, in order); another palette
    image (a GIF, whose table is padded to a power of two) the entries its pixels use, in
    table order; any other image its distinct colours, in (R, G, B) order. A colour listed
    twice is kept once.

    Parameters
    ----------
    path : path-like
    max_colors : int, default 256
        Refuse an image with more distinct colours than this.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        As in :func:`read_image`.

    Returns
    -------
    ndarray of shape (K, 3), uint8
        Distinct colours, 1 ≤ K ≤ ``max_colors``.

    Raises
    ------
    ImageError
        As :func:`read_image`, or the image has more than ``max_colors`` colours.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "p.png"
    >>> _ = save_palette_png(path, np.array([[9, 9, 9], [0, 0, 0]], np.uint8), np.array([[1, 0, 1]]))
    >>> read_palette(path).tolist()
    [[9, 9, 9], [0, 0, 0]]
    """
    path = Path(path)
    with open_image(path, max_pixels=max_pixels) as im:
        im.load()
        if im.mode == "P":
            entries = np.asarray(im.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3)
            colors = entries if im.format == "PNG" else entries[np.unique(np.asarray(im))]
        else:
            rgb = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(np.uint32)
            keys = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])
            if len(keys) > max_colors:
                raise ImageError(
                    f"{path}: {len(keys):,} colours, more than a palette of {max_colors}; "
                    "give a palette PNG or an image of at most that many colours"
                )
            colors = np.stack([keys >> 16, (keys >> 8) & 0xFF, keys & 0xFF], axis=1).astype(np.uint8)
    keys = (colors[:, 0].astype(np.uint32) << 16) | (colors[:, 1].astype(np.uint32) << 8) | colors[:, 2]
    _, first = np.unique(keys, return_index=True)
    colors = colors[np.sort(first)]  # duplicate entries once, in table order
    if len(colors) > max_colors:
        raise ImageError(f"{path}: {len(colors):,} colours, more than a palette of {max_colors}")
    return colors
