"""Every argument check of the public API: plain checks and one dict of bounds.

:func:`check` validates one argument by its keyword name and returns it normalised (``int``
for an integer, a float64 array for points, a colour tuple, ...) or raises ``ValueError``
naming the argument and the bad value. Numbers are checked against :data:`BOUNDS`; every
other name has a plain function in :data:`_CHECKS`. The library checks each argument once,
at its public edge; the command line converts its options through the same checks
(:func:`option_type`).
"""

from __future__ import annotations

import argparse
import math
import numbers
from collections.abc import Callable

import numpy as np
from PIL import ImageColor

__all__ = ["BOUNDS", "COLOR_SPACES", "DITHER_METHODS", "INIT_NAMES", "MAX_PALETTE_COLORS"]
__all__ += ["check", "check_palette_size", "option_type"]

#: Initialiser names (see :mod:`kmeans_lab.cluster.init`).
INIT_NAMES = ("random", "in_pixels", "kmeans++")
#: Colour spaces the quantizer can cluster in (see :mod:`kmeans_lab.color`).
COLOR_SPACES = ("rgb", "lab", "oklab")
#: Ways of mapping pixels to a palette besides the nearest colour; ``dither=True`` means the first.
DITHER_METHODS = ("diffusion", "ordered")
#: A palette PNG, a GIF and Pillow's dithering hold at most this many colours.
MAX_PALETTE_COLORS = 256

#: Numeric arguments by name: ``(lowest, integer)``. ``None`` is accepted where the name is in
#: :data:`_OPTIONAL` (no limit, or the default plan).
BOUNDS: dict[str, tuple[float, bool]] = {
    "k": (1, True),
    "k_max": (1, True),
    "max_iter": (1, True),
    "n_init": (1, True),
    "seed": (0, True),
    "max_pixels": (1, True),
    "max_bytes": (1, True),
    "workers": (1, True),
    "chunks": (1, True),
    "duration": (0, True),
    "loop": (0, True),
    "tile_side": (1, True),
    "tol": (0.0, False),
    "target_psnr": (-math.inf, False),
    "strength": (0.0, False),
    "max_error": (0.0, False),
    "min_error": (0.0, False),
}
_OPTIONAL = {"n_init", "seed", "max_pixels", "loop"}


def _expected(lowest: float, integer: bool) -> str:
    if integer:
        return f"an integer >= {lowest}"
    return "a finite number" + ("" if lowest == -math.inf else f" >= {lowest:g}")


def _number(value: object, name: str, lowest: float, integer: bool) -> int | float:
    """A finite number ``>= lowest`` (an integer: ``3.0`` is accepted, a bool is not)."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if not real or not math.isfinite(value) or value < lowest or (integer and not float(value).is_integer()):
        raise ValueError(f"{name} must be {_expected(lowest, integer)}, got {value!r}")
    return int(value) if integer else float(value)


def _choice(options: tuple[str, ...]) -> Callable[[object, str], str]:
    def choose(value: object, name: str) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"unknown {name} {value!r}; choose one of " + ", ".join(map(repr, options)))
        return value

    return choose


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _dither(value: object, name: str) -> bool | str:
    """``False``, or a method name (``True`` is the first of :data:`DITHER_METHODS`)."""
    if isinstance(value, bool | np.bool_):
        return DITHER_METHODS[0] if value else False
    if isinstance(value, str) and value in DITHER_METHODS:
        return value
    raise ValueError(f"{name} must be True, False or one of {', '.join(map(repr, DITHER_METHODS))}, got {value!r}")


_COLOR = "a colour: a name ('white'), '#rrggbb', 'R,G,B' or three integers 0..255"


def _color(value: object, name: str) -> tuple[int, int, int] | None:
    """An opaque colour: a name or ``#rrggbb`` Pillow knows, ``"R,G,B"``, or three integers 0..255; or None."""
    if value is None:
        return None
    message = f"{name} must be {_COLOR}, got {value!r}"
    channels = value
    if isinstance(value, str):
        text = value.strip()
        try:
            channels = text.split(",") if text.count(",") == 2 else ImageColor.getrgb(text)
        except ValueError:
            raise ValueError(message) from None
    try:
        channels = [int(c) if isinstance(c, str) else _number(c, name, 0, True) for c in channels]
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if len(channels) == 4 and channels[3] == 255:
        channels = channels[:3]
    if len(channels) != 3:
        raise ValueError(f"{name} must be an opaque colour (three channels), got {value!r}")
    if not all(0 <= c <= 255 for c in channels):
        raise ValueError(message)
    return tuple(channels)


def _image(value: object, name: str, channels: tuple[int, ...] = (3, 4)) -> np.ndarray:
    """An ``(H, W, C)`` uint8 array, H, W ≥ 1, C in ``channels`` (3: sRGB; 4: sRGB with straight alpha)."""
    array = np.asarray(value)
    if array.ndim != 3 or array.shape[2] not in channels:
        shapes = " or ".join(f"(H, W, {c})" for c in channels)
        raise ValueError(f"{name} must have shape {shapes}, got {array.shape}")
    if array.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 (0..255), got dtype {array.dtype}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} is empty, shape {array.shape}")
    return array


def _points(value: object, name: str) -> np.ndarray:
    """Finite real data of shape ``(n, d)``, n, d ≥ 1, as float64."""
    x = np.asarray(value)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d), got shape {x.shape}")
    if 0 in x.shape:
        raise ValueError(f"{name} must be non-empty, got shape {x.shape}")
    x = x.astype(np.float64, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinity")
    return x


def _weights(value: object, name: str, n: int = 0) -> np.ndarray:
    """None (weight 1 each) or finite non-negative weights of shape ``(n,)`` with a positive sum."""
    if value is None:
        return np.ones(n)
    w = np.asarray(value, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{name} must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError(f"{name} sums to zero")
    return w


def _init(value: object, name: str, k: int | None = None, d: int | None = None) -> str | np.ndarray:
    """An initialiser name, or explicit initial centres of shape ``(k, d)`` (float64, finite)."""
    if isinstance(value, str):
        if value not in INIT_NAMES:
            names = ", ".join(map(repr, INIT_NAMES))
            raise ValueError(f"unknown {name} {value!r}; choose one of {names} or give (k, d) centres")
        return value
    centers = np.array(value, dtype=np.float64)
    if centers.ndim != 2 or (k is not None and centers.shape != (k, d)):
        raise ValueError(f"{name} centres must have shape ({k}, {d}), got {centers.shape}")
    if not np.isfinite(centers).all():
        raise ValueError(f"{name} centres contain NaN or infinity")
    return centers


def _tile(value: object, name: str) -> int:
    """TIFF tiles are positive multiples of 16 pixels."""
    number = _number(value, name, 16, True) if isinstance(value, numbers.Real) else None
    if number is None or number % 16:
        raise ValueError(f"{name} must be a positive multiple of 16, got {value!r}")
    return number


_CHECKS: dict[str, Callable[..., object]] = {
    "color_space": _choice(COLOR_SPACES),
    "dither": _dither,
    "background": _color,
    "image": _image,
    "rgb_image": lambda value, name: _image(value, name, (3,)),  # no alpha (CIEDE2000, SSIM, Pillow's dithering)
    "points": _points,
    "sample_weight": _weights,
    "init": _init,
    "shared_palette": _flag,
    "optimize": _flag,
    "tile": _tile,
}


def check(name: str, value: object, *, label: str | None = None, **context: object):
    """Validate one argument by its keyword name.

    Parameters
    ----------
    name : str
        A key of :data:`BOUNDS` or of the plain checks (``"image"``, ``"init"``, ...).
    value : object
        What the caller passed.
    label : str, optional
        How the message names the argument (default ``name``).
    **context
        What a check needs beyond the value: ``n`` for ``sample_weight``, ``k`` and ``d``
        for ``init``.

    Returns
    -------
    The value, normalised.

    Raises
    ------
    ValueError
        Naming ``label`` and the value, e.g. ``k must be an integer >= 1, got 0``.

    Examples
    --------
    >>> check("k", 4.0)
    4
    >>> check("tol", -1)
    Traceback (most recent call last):
    ...
    ValueError: tol must be a finite number >= 0, got -1
    """
    label = label or name
    if name in BOUNDS:
        if value is None and name in _OPTIONAL:
            return None
        return _number(value, label, *BOUNDS[name])
    return _CHECKS[name](value, label, **context)


def check_palette_size(k: int, what: str = "a palette PNG holds", *, label: str = "k") -> int:
    """``k`` if at most :data:`MAX_PALETTE_COLORS`, else ``ValueError``: ``k=300: <what> at most 256 colours``."""
    if k > MAX_PALETTE_COLORS:
        raise ValueError(f"{label}={k}: {what} at most {MAX_PALETTE_COLORS} colours")
    return k


def option_type(name: str) -> Callable[[str], object]:
    """An ``argparse`` ``type=`` converter by the check of ``name`` (numbers and colours).

    The message leaves out the name: argparse prefixes the option
    (``argument --seed: must be an integer >= 0, got '-1'``).
    """

    def convert(text: str) -> object:
        if name not in BOUNDS:  # a colour
            try:
                return check(name, text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"must be {_COLOR}, got {text!r}") from None
        lowest, integer = BOUNDS[name]
        try:
            return check(name, int(text) if integer else float(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {_expected(lowest, integer)}, got {text!r}") from None

    convert.__name__ = name  # argparse shows the converter's name in some messages
    return convert
