"""Animations: every frame of an animated GIF, APNG, WebP or multi-page TIFF, and shared-palette GIF/APNG writers.

:func:`read_frames` reads every frame as displayed (Pillow composites each GIF/APNG frame
onto the previous ones), with each frame's duration and the loop count;
:func:`save_animation` writes quantized frames — one palette for all of them, from
:func:`kmeans_lab.quantize_many` — as a GIF or an APNG, atomically like every save of
:mod:`kmeans_lab.image`.

What the formats keep, as written here with Pillow:

- GIF stores durations in centiseconds (they are rounded to the nearest 10 ms) and Pillow
  merges a frame identical to the one before into it, adding the durations; nothing turns
  that off, so :func:`stored_durations` says what the file holds. The palette is the one
  global colour table and the indices are kept as given (:func:`kmeans_lab.image.gif_options`).
- APNG stores durations in milliseconds and keeps every frame (an identical frame is
  written with the other blend operation, the same picture for opaque frames, so Pillow
  does not merge it).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, PngImagePlugin

from ._validation import check
from .image import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    ImageTooLargeError,
    atomic_write,
    check_output_path,
    gif_options,
    open_image,
)
from .palette import Quantized

__all__ = [
    "Animation",
    "ANIMATION_SUFFIXES",
    "DEFAULT_DURATION",
    "read_frames",
    "save_animation",
    "encode_animation",
    "stored_durations",
]

#: Output suffixes an animation is written to, and their Pillow format.
ANIMATION_SUFFIXES = {".gif": "GIF", ".png": "PNG"}
#: Milliseconds given to a frame whose file states no duration (TIFF pages).
DEFAULT_DURATION = 100
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


@dataclass(frozen=True, eq=False)
class Animation:
    """The frames of an animation and how it plays.

    Attributes
    ----------
    frames : list of ndarray of shape (H, W, 3), uint8
        Every frame as displayed, first frame first.
    durations : tuple of int
        Milliseconds each frame is shown (:data:`DEFAULT_DURATION` where the file states none).
    loop : int or None
        The loop count the file stores: 0 plays forever; ``None`` when the file has none
        (a GIF without a NETSCAPE block plays once).
    format : str
        Pillow's name of the file format (``"GIF"``, ``"PNG"``, ``"WEBP"``, ``"TIFF"``, ...).
    """

    frames: list[np.ndarray]
    durations: tuple[int, ...]
    loop: int | None
    format: str = ""

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of every frame."""
        return self.frames[0].shape[:2]


def read_frames(path: str | os.PathLike, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Animation:
    """Read every frame of an image file (one frame for a still image).

    Parameters
    ----------
    path : path-like
        An animated GIF, APNG or WebP, a multi-page TIFF, or any still image.
    max_pixels : int or None, default DEFAULT_MAX_PIXELS
        Refuse files whose frames add up to more than this many pixels (width × height ×
        frames; memory is 3 bytes per pixel), as :func:`kmeans_lab.read_image` refuses large
        images; ``None`` for no limit.

    Returns
    -------
    Animation

    Raises
    ------
    ImageError
        As :func:`kmeans_lab.read_image`; also for pages of different sizes.

    Notes
    -----
    Transparent pixels are composited on white (a ``UserWarning`` says so), as
    :func:`kmeans_lab.read_image` does. EXIF orientation is not applied to frames.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "a.gif"
    >>> frames = [Image.new("RGB", (4, 3), c) for c in ("red", "blue")]
    >>> frames[0].save(path, save_all=True, append_images=frames[1:], duration=[100, 250], loop=0)
    >>> animation = read_frames(path)
    >>> len(animation), animation.durations, animation.loop, animation.frames[1][0, 0].tolist()
    (2, (100, 250), 0, [0, 0, 255])
    """
    max_pixels = check("max_pixels", max_pixels)
    path = Path(path)
    with open_image(path, max_pixels=max_pixels) as im:
        n_frames = int(getattr(im, "n_frames", 1))
        width, height = im.size
        if max_pixels is not None and n_frames * width * height > max_pixels:
            raise ImageTooLargeError(
                path,
                n_frames * width * height,
                max_pixels,
                advice=f"its {n_frames} frames add up to that; pass read_frames(..., max_pixels=N) a larger N",
            )
        loop = im.info.get("loop")
        frames, durations, transparent = [], [], False
        for index in range(n_frames):
            im.seek(index)
            if im.size != (width, height):
                raise ImageError(f"{path}: frame {index + 1} is {im.size[0]}x{im.size[1]}, not {width}x{height}")
            duration = im.info.get("duration")
            durations.append(int(round(duration)) if duration else DEFAULT_DURATION)
            frame, alpha = _frame_rgb(im)
            transparent = transparent or alpha
            frames.append(frame)
        fmt = str(im.format)
    if transparent:
        warnings.warn(f"{path.name}: transparent pixels composited on white", UserWarning, stacklevel=2)
    return Animation(frames, tuple(durations), None if loop is None else int(loop), fmt)


def _frame_rgb(im: Image.Image) -> tuple[np.ndarray, bool]:
    """The current frame as (H, W, 3) uint8, composited on white; and whether some pixel was transparent."""
    if im.mode in _ALPHA_MODES or (im.mode in ("P", "L", "RGB") and "transparency" in im.info):
        rgba = im.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return np.asarray(Image.alpha_composite(white, rgba).convert("RGB")), True
        return np.asarray(rgba.convert("RGB")), False
    return np.asarray(im.convert("RGB")), False


def _check_frames(palette: np.ndarray, labels: Sequence[np.ndarray], durations) -> tuple[np.ndarray, list, list[int]]:
    palette = np.asarray(palette)
    if palette.ndim != 2 or palette.shape[1] != 3 or palette.dtype != np.uint8 or not 1 <= len(palette) <= 256:
        raise ValueError(
            f"palette must be a (K, 3) uint8 array with 1 <= K <= 256, got {palette.dtype} {palette.shape}"
        )
    labels = [np.asarray(frame) for frame in labels]
    if not labels:
        raise ValueError("an animation needs at least one frame")
    shapes = {frame.shape for frame in labels}
    if len(shapes) != 1 or labels[0].ndim != 2:
        raise ValueError(f"every frame's labels must be (H, W) of one shape, got {sorted(shapes)}")
    if np.isscalar(durations):
        durations = [durations] * len(labels)
    durations = [check("duration", d) for d in durations]
    if len(durations) != len(labels):
        raise ValueError(f"{len(labels)} frames but {len(durations)} durations")
    return palette, labels, durations


def _p_frame(palette: np.ndarray, labels: np.ndarray) -> Image.Image:
    im = Image.fromarray(np.ascontiguousarray(labels, dtype=np.uint8), "P")
    im.putpalette(palette.reshape(-1).tolist(), rawmode="RGB")
    return im


def stored_durations(
    suffix: str, labels_per_frame: Sequence[np.ndarray], durations: int | Sequence[int]
) -> tuple[int, ...]:
    """The frame durations (ms) a file written by :func:`save_animation` holds, one per frame kept.

    A ``.png`` (APNG) keeps every frame and duration; a ``.gif`` rounds each duration to
    the nearest 10 ms and merges each frame identical to the one before into it.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)
    >>> stored_durations(".gif", [a, a, b], [100, 33, 50])
    (130, 50)
    >>> stored_durations(".png", [a, a, b], [100, 33, 50])
    (100, 33, 50)
    """
    if np.isscalar(durations):
        durations = [durations] * len(labels_per_frame)
    durations = [int(d) for d in durations]
    if suffix.lower() != ".gif":
        return tuple(durations)
    kept: list[int] = []
    for index, duration in enumerate(_centiseconds(durations)):
        if index and np.array_equal(labels_per_frame[index], labels_per_frame[index - 1]):
            kept[-1] += duration
        else:
            kept.append(duration)
    return tuple(kept)


def _centiseconds(durations: Sequence[int]) -> list[int]:
    """Durations rounded to the nearest 10 ms (half up), what a GIF can store."""
    return [10 * ((int(d) + 5) // 10) for d in durations]


def encode_animation(
    handle: BinaryIO,
    fmt: str,
    palette: np.ndarray,
    labels_per_frame: Sequence[np.ndarray],
    durations: int | Sequence[int],
    loop: int | None = 0,
) -> None:
    """Write palette frames to an open binary file as an animated GIF or APNG.

    Parameters
    ----------
    handle : binary file
    fmt : {"GIF", "PNG"}
    palette : ndarray of shape (K, 3), uint8
        Distinct colours, 1 ≤ K ≤ 256.
    labels_per_frame : sequence of ndarray of shape (H, W), integer in ``[0, K)``
    durations, loop
        As in :func:`save_animation`.
    """
    palette, labels, durations = _check_frames(palette, labels_per_frame, durations)
    loop = check("loop", loop)
    frames = [_p_frame(palette, frame) for frame in labels]
    if fmt == "GIF":
        options = {"duration": _centiseconds(durations), "disposal": 1, **gif_options(palette)}
        if loop is not None:
            options["loop"] = loop
    elif fmt == "PNG":
        # Pillow merges a frame identical to the previous one unless its blend differs:
        # alternate SOURCE and OVER (the same picture for opaque frames) to keep every frame.
        blend = [PngImagePlugin.Blend.OP_SOURCE]
        for index in range(1, len(labels)):
            same = np.array_equal(labels[index], labels[index - 1])
            previous = blend[-1]
            blend.append(
                PngImagePlugin.Blend.OP_OVER
                if same and previous == PngImagePlugin.Blend.OP_SOURCE
                else PngImagePlugin.Blend.OP_SOURCE
            )
        options = {
            "duration": durations,
            "loop": 1 if loop is None else loop,  # APNG has no "no loop count": 1 play
            "disposal": PngImagePlugin.Disposal.OP_NONE,
            "blend": blend,
            "optimize": True,
        }
    else:
        raise ValueError(f"unknown animation format {fmt!r}; choose 'GIF' or 'PNG'")
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:])
    frames[0].save(handle, format=fmt, **options)


def save_animation(
    path: str | os.PathLike,
    frames: Sequence[Quantized],
    durations: int | Sequence[int],
    loop: int | None = 0,
) -> int:
    """Save quantized frames that share one palette as an animated GIF (``.gif``) or APNG (``.png``).

    Parameters
    ----------
    path : path-like
        ``.gif`` or ``.png``; written atomically (:func:`kmeans_lab.image.atomic_write`).
    frames : sequence of Quantized
        The frames, all of one size and one RGB palette of K ≤ 256 colours (the GIF's
        global colour table, the APNG's ``PLTE``): e.g. ``quantize_many(frames, k)``.
    durations : int or sequence of int
        Milliseconds each frame is shown (one for all, or one per frame).
    loop : int or None, default 0
        0 loops forever; ``None`` writes no loop count (a GIF then plays once).

    Returns
    -------
    int
        Bytes written. :func:`stored_durations` gives the frames and durations the file
        holds (a GIF merges identical consecutive frames and stores centiseconds).

    Raises
    ------
    ValueError
        Another suffix, K > 256, frames with different palettes or shapes, a duration
        count that is not the frame count.
    ImageError
        The path cannot be written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from kmeans_lab import quantize_many
    >>> frames = [np.full((2, 2, 3), c, np.uint8) for c in (0, 90, 200)]
    >>> save_animation(Path(tempfile.mkdtemp()) / "a.gif", quantize_many(frames, 3), 100) > 0
    True
    """
    path = Path(path)
    fmt = ANIMATION_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: an animation is written as .gif or .png (APNG), not {path.suffix!r}")
    if not frames:
        raise ValueError("an animation needs at least one frame")
    palette = frames[0].palette.colors
    if any(not np.array_equal(frame.palette.colors, palette) for frame in frames):
        raise ValueError("the frames of an animation must share one palette (quantize_many gives them one)")
    check_output_path(path, k=len(palette))
    palette, labels, durations = _check_frames(palette, [frame.labels for frame in frames], durations)
    loop = check("loop", loop)
    return atomic_write(path, lambda handle: encode_animation(handle, fmt, palette, labels, durations, loop))
