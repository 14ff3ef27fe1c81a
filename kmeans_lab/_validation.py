"""Every argument check of the public API, in one declarative table.

:data:`RULES` says what each argument may be. :func:`check` applies the rule of one argument
and returns the value normalised (``int`` for an integer, ``numpy.dtype`` for a dtype, a
float64 array for points, ...) or raises ``ValueError`` with a message that names the
argument and the bad value. The library's entry points check each argument once, here; the
command line converts its options through the same rules (:func:`option_type`), naming the
option instead of the keyword; the lab uses them too.
"""

from __future__ import annotations

import argparse
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import ImageColor

__all__ = [
    "ALGORITHMS",
    "COLOR_SPACES",
    "DITHER_METHODS",
    "INIT_NAMES",
    "MAX_PALETTE_COLORS",
    "RULES",
    "check",
    "check_palette_size",
    "option_type",
]

#: E-step algorithms of the k-means (see :mod:`kmeans_lab.cluster.lloyd`).
ALGORITHMS = ("auto", "lloyd")
#: Initialiser names (see :mod:`kmeans_lab.cluster.init`).
INIT_NAMES = ("random", "in_pixels", "kmeans++")
#: Colour spaces the quantizer can cluster in (see :mod:`kmeans_lab.color`).
COLOR_SPACES = ("rgb", "lab", "oklab")
#: Ways of mapping pixels to a palette besides the nearest colour (see :mod:`kmeans_lab.dither`);
#: ``dither=True`` means the first.
DITHER_METHODS = ("floyd-steinberg", "ordered")
#: A palette PNG, a GIF and Pillow's dithering hold at most this many colours.
MAX_PALETTE_COLORS = 256


class _Invalid(Exception):
    """Raised by a rule with a message template; ``{label}`` and ``{value}`` are filled in by :func:`check`."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


class _Rule:
    """What one argument may be: ``expected`` describes it, ``convert`` normalises or raises ``_Invalid``."""

    expected: str

    def convert(self, value: object, **context: object) -> object:
        raise NotImplementedError

    def invalid(self) -> _Invalid:
        return _Invalid("{label} must be " + self.expected + ", got {value!r}")

    def __call__(self, value: object, label: str, **context: object) -> object:
        try:
            return self.convert(value, **context)
        except _Invalid as bad:
            raise ValueError(bad.template.format(label=label, value=value)) from None


@dataclass(frozen=True)
class Integer(_Rule):
    """An integer in ``[low, high]``; a float with an integral value is accepted (``3.0``), a bool is not."""

    low: int
    high: int | None = None
    optional: bool = False

    @property
    def expected(self) -> str:
        bounds = f">= {self.low}" if self.high is None else f"in [{self.low}, {self.high}]"
        return f"an integer {bounds}"  # ``optional`` also admits None, which only Python callers can pass

    def convert(self, value: object, **context: object) -> int | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool | np.bool_):
            raise self.invalid()
        if isinstance(value, numbers.Integral):
            number = int(value)
        elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            number = int(value)
        else:
            raise self.invalid()
        if number < self.low or (self.high is not None and number > self.high):
            raise self.invalid()
        return number


@dataclass(frozen=True)
class Real(_Rule):
    """A finite real number ``>= low``."""

    low: float = -math.inf

    @property
    def expected(self) -> str:
        return "a finite number" + ("" if self.low == -math.inf else f" >= {self.low:g}")

    def convert(self, value: object, **context: object) -> float:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise self.invalid()
        number = float(value)
        if not math.isfinite(number) or number < self.low:
            raise self.invalid()
        return number


@dataclass(frozen=True)
class OneOf(_Rule):
    """One of a fixed set of names."""

    options: tuple[str, ...]

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def convert(self, value: object, **context: object) -> str:
        if not isinstance(value, str) or value not in self.options:
            raise _Invalid("unknown {label} {value!r}; choose " + self.expected)
        return value


@dataclass(frozen=True)
class Flag(_Rule):
    """``True`` or ``False`` (NumPy booleans included)."""

    expected: str = "True or False"

    def convert(self, value: object, **context: object) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise self.invalid()
        return bool(value)


@dataclass(frozen=True)
class Dither(_Rule):
    """``False`` (no dithering), ``True`` (the first of :data:`DITHER_METHODS`) or a method name.

    Normalised to ``False`` or the method's name, so ``if dither:`` still asks "any dithering?".
    """

    expected: str = "True, False or one of " + ", ".join(repr(m) for m in DITHER_METHODS)

    def convert(self, value: object, **context: object) -> bool | str:
        if isinstance(value, bool | np.bool_):
            return DITHER_METHODS[0] if value else False
        if isinstance(value, str) and value in DITHER_METHODS:
            return value
        raise self.invalid()


@dataclass(frozen=True)
class Color(_Rule):
    """An opaque colour: a name or ``#rrggbb`` that Pillow knows, ``"R,G,B"``, or three integers 0..255.

    Returned as a tuple of three ints; ``None`` is accepted when ``optional``.
    """

    optional: bool = False
    expected: str = "a colour: a name ('white'), '#rrggbb', 'R,G,B' or three integers 0..255"

    def convert(self, value: object, **context: object) -> tuple[int, int, int] | None:
        if value is None and self.optional:
            return None
        if isinstance(value, str):
            text = value.strip()
            if text.count(",") == 2 and not text.lower().startswith(("rgb", "hs")):
                value = text.split(",")
            else:
                try:
                    value = ImageColor.getrgb(text)
                except ValueError:
                    raise self.invalid() from None
        try:
            channels = [Integer(0, 255).convert(v if not isinstance(v, str) else int(v.strip())) for v in value]
        except (TypeError, ValueError, _Invalid):
            raise self.invalid() from None
        if len(channels) == 4 and channels[3] == 255:
            channels = channels[:3]
        if len(channels) != 3:
            raise _Invalid("{label} must be an opaque colour (three channels), got {value!r}")
        return tuple(channels)


@dataclass(frozen=True)
class FloatDtype(_Rule):
    """``numpy.float32`` or ``numpy.float64`` (anything ``numpy.dtype`` accepts)."""

    expected: str = "float32 or float64"

    def convert(self, value: object, **context: object) -> np.dtype:
        try:
            dtype = np.dtype(value)
        except TypeError:
            raise self.invalid() from None
        if dtype not in (np.float32, np.float64):
            raise _Invalid(f"{{label}} must be float32 or float64, got {dtype}")
        return dtype


@dataclass(frozen=True)
class Points(_Rule):
    """Finite real data of shape ``(n, d)``, n, d ≥ 1; returned as float64."""

    expected: str = "a finite real array of shape (n, d)"

    def convert(self, value: object, **context: object) -> np.ndarray:
        x = np.asarray(value)
        if x.dtype.kind not in "biuf":
            raise _Invalid(f"{{label}} must be real numbers, got dtype {x.dtype}")
        if x.ndim != 2:
            raise _Invalid(f"{{label}} must have shape (n, d), got shape {x.shape}")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise _Invalid(f"{{label}} must be non-empty, got shape {x.shape}")
        x = x.astype(np.float64, copy=False)
        if not np.isfinite(x).all():
            raise _Invalid("{label} contain NaN or infinity")
        return x


@dataclass(frozen=True)
class Weights(_Rule):
    """``None`` (weight 1 each) or finite non-negative weights of shape ``(n,)`` with a positive sum."""

    expected: str = "finite non-negative weights"

    def convert(self, value: object, *, n: int = 0, **context: object) -> np.ndarray:
        if value is None:
            return np.ones(n, dtype=np.float64)
        w = np.asarray(value, dtype=np.float64)
        if w.shape != (n,):
            raise _Invalid(f"{{label}} must have shape ({n},), got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any():
            raise _Invalid("{label} must be finite and non-negative")
        if w.sum() <= 0:
            raise _Invalid("{label} sums to zero")
        return w


@dataclass(frozen=True)
class Init(_Rule):
    """An initialiser name, or explicit initial centres of shape ``(k, d)`` (float64, finite)."""

    expected: str = "an initialiser name or an array of shape (k, d)"

    def convert(self, value: object, *, k: int = 0, d: int = 0, **context: object) -> str | np.ndarray:
        if isinstance(value, str):
            if value not in INIT_NAMES:
                names = ", ".join(repr(n) for n in INIT_NAMES)
                raise _Invalid(f"unknown {{label}} {{value!r}}; choose one of {names} or give (k, d) centres")
            return value
        centers = np.array(value, dtype=np.float64)
        if centers.shape != (k, d):
            raise _Invalid(f"{{label}} centres must have shape ({k}, {d}), got {centers.shape}")
        if not np.isfinite(centers).all():
            raise _Invalid("{label} centres contain NaN or infinity")
        return centers


@dataclass(frozen=True)
class ImageArray(_Rule):
    """An image array of shape ``(H, W, C)``, uint8, H, W ≥ 1, C one of ``channels``.

    ``C = 3`` is sRGB, ``C = 4`` sRGB with straight (not premultiplied) alpha.
    """

    channels: tuple[int, ...] = (3, 4)

    @property
    def expected(self) -> str:
        return " or ".join(f"an (H, W, {c}) uint8 array" for c in self.channels)

    def convert(self, value: object, **context: object) -> np.ndarray:
        arr = np.asarray(value)
        if arr.ndim != 3 or arr.shape[2] not in self.channels:
            shapes = " or ".join(f"(H, W, {c})" for c in self.channels)
            raise _Invalid(f"{{label}} must have shape {shapes}, got {arr.shape}")
        if arr.dtype != np.uint8:
            raise _Invalid(f"{{label}} must be uint8 (0..255), got dtype {arr.dtype}")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise _Invalid(f"{{label}} is empty, shape {arr.shape}")
        return arr


@dataclass(frozen=True)
class Multiple(_Rule):
    """A positive integer multiple of ``step`` (TIFF tiles are multiples of 16 pixels)."""

    step: int

    @property
    def expected(self) -> str:
        return f"a positive multiple of {self.step}"

    def convert(self, value: object, **context: object) -> int:
        try:
            number = Integer(self.step).convert(value)
        except _Invalid:
            raise self.invalid() from None
        if number % self.step:
            raise self.invalid()
        return number


#: What each argument of the public API may be, by its keyword name.
RULES: dict[str, _Rule] = {
    "k": Integer(1),
    "k_max": Integer(1),
    "max_iter": Integer(1),
    "n_init": Integer(1, optional=True),  # None: the cascade's plan (kmeans_lab.cascade.start_plan), else 1
    "tol": Real(0.0),
    "seed": Integer(0, optional=True),
    "dtype": FloatDtype(),
    "algorithm": OneOf(ALGORITHMS),
    "init": Init(),
    "color_space": OneOf(COLOR_SPACES),
    "dither": Dither(),
    "target_psnr": Real(),
    "max_bytes": Integer(1),
    "points": Points(),
    "sample_weight": Weights(),
    "image": ImageArray(),  # RGB or RGBA
    "rgb_image": ImageArray(channels=(3,)),  # where alpha has no meaning (CIEDE2000, SSIM, Pillow's dithering)
    "background": Color(optional=True),  # None: keep transparency (read_image)
    "max_pixels": Integer(1, optional=True),  # None: no limit (read_image only; the CLI takes a number)
    # Collections, animations and tiled images (collection.py, animation.py, tiled.py).
    "shared_palette": Flag(),
    "fan_in": Integer(2),
    "workers": Integer(1),
    "duration": Integer(0),
    "loop": Integer(0, optional=True),  # None: no loop count
    "tile": Multiple(16),
    "chunks": Integer(1),
}


def check(name: str, value: object, *, label: str | None = None, **context: object):
    """Validate one argument by its rule in :data:`RULES`.

    Parameters
    ----------
    name : str
        The argument's keyword, a key of :data:`RULES`.
    value : object
        What the caller passed.
    label : str, optional
        How the message names the argument (default ``name``).
    **context
        What the rule needs beyond the value: ``n`` for ``sample_weight``, ``k`` and ``d``
        for ``init``.

    Returns
    -------
    The value, normalised by the rule.

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
    return RULES[name](value, label or name, **context)


def check_palette_size(k: int, what: str = "a palette PNG holds", *, label: str = "k") -> int:
    """``k`` if at most :data:`MAX_PALETTE_COLORS`, else ``ValueError``: ``k=300: <what> at most 256 colours``.

    The one place that knows the 256-colour limit of palette PNGs, GIFs and Pillow's dithering.
    """
    if k > MAX_PALETTE_COLORS:
        raise ValueError(f"{label}={k}: {what} at most {MAX_PALETTE_COLORS} colours")
    return k


def option_type(name: str) -> Callable[[str], object]:
    """An ``argparse`` ``type=`` converter for an option, by the rule of ``name`` (numbers and colours).

    The message leaves out the name: argparse already prefixes the option
    (``argument --seed: must be an integer >= 0, got '-1'``).
    """
    rule = RULES[name]
    parse = int if isinstance(rule, Integer) else float if isinstance(rule, Real) else str

    def convert(text: str) -> object:
        try:
            return rule.convert(parse(text))
        except (ValueError, _Invalid):
            raise argparse.ArgumentTypeError(f"must be {rule.expected}, got {text!r}") from None

    convert.__name__ = name  # argparse shows the converter's name in some messages
    return convert
