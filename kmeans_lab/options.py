"""The k-means options: one immutable value, validated when it is made.

Every entry point that fits a palette — :func:`~kmeans_lab.quantize`,
:func:`~kmeans_lab.fit_palette`, :func:`~kmeans_lab.quantize_many`,
:func:`~kmeans_lab.tiled.quantize_tiled`, :func:`~kmeans_lab.choose_k` and the command line — takes
a :class:`KMeansOptions` (``options=``) and/or its fields as keywords, builds the value once with
:meth:`KMeansOptions.of` and hands it down whole.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ._validation import check

__all__ = ["KMeansOptions"]


@dataclass(frozen=True, eq=False)
class KMeansOptions:
    """How :func:`~kmeans_lab.fit_palette` runs the k-means.

    Parameters
    ----------
    color_space : {"oklab", "rgb", "lab"}, default "oklab"
        Where the colours are clustered: Oklab, sRGB or CIELAB (D65); an image with
        transparency as premultiplied points of that space (see :func:`~kmeans_lab.fit_palette`).
        Oklab is the default because its palettes look best: sRGB k-means has the lowest
        MSE, but Oklab's palettes score higher on SSIMULACRA2 and FLIP, the measures of
        what people see (the benchmark, ``python -m kmeans_lab.lab.bench``).
    init : {"kmeans++", "in_pixels", "random"} or array_like of shape (k, 3) or (k, 4), default "kmeans++"
        The initialiser, or explicit initial centres as sRGB(A) colours 0..255 (straight alpha).
    n_init : int or None, default None
        Starts drawn by a named initialiser, the lowest inertia kept; None takes the cascade's
        plan (:func:`kmeans_lab.cascade.start_plan`). Explicit centres are one start.
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for every random draw.
    max_iter : int, default 300
        Lloyd iterations at most, per stage.
    tol : float, default 1e-4
        Stop when an iteration moves the centres by at most ``tol`` × the colours' mean
        channel variance (total squared shift, scikit-learn's convention); 0 runs to a
        fixed point, where one more iteration changes no label.

    Raises
    ------
    ValueError
        A field out of its range, naming it and the value.

    Examples
    --------
    >>> KMeansOptions(seed=3).seed
    3
    >>> KMeansOptions.of(KMeansOptions(seed=3), tol=0).tol
    0.0
    >>> KMeansOptions(max_iter=0)
    Traceback (most recent call last):
    ...
    ValueError: max_iter must be an integer >= 1, got 0
    """

    color_space: str = "oklab"
    init: str | np.ndarray = "kmeans++"
    n_init: int | None = None
    seed: int | None = 0
    max_iter: int = 300
    tol: float = 1e-4

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(self, field.name, check(field.name, getattr(self, field.name)))

    @classmethod
    def of(cls, options: KMeansOptions | None = None, /, **changes: object) -> KMeansOptions:
        """``options`` (default: the defaults) with some fields changed; validated once.

        Raises
        ------
        TypeError
            A keyword that is not a field, naming the fields there are.
        """
        base = cls() if options is None else options
        if not isinstance(base, cls):
            raise TypeError(f"options must be a KMeansOptions, got {type(base).__name__}")
        unknown = set(changes) - {field.name for field in fields(cls)}
        if unknown:
            names = ", ".join(field.name for field in fields(cls))
            raise TypeError(f"unknown k-means option {sorted(unknown)[0]!r}; the options are {names}")
        return replace(base, **changes) if changes else base

    def __repr__(self) -> str:
        init = self.init if isinstance(self.init, str) else f"<{len(self.init)} centres>"
        shown = {field.name: getattr(self, field.name) for field in fields(self)} | {"init": init}
        return "KMeansOptions(" + ", ".join(f"{name}={value!r}" for name, value in shown.items()) + ")"

    def as_dict(self) -> dict[str, object]:
        """The fields as plain values (explicit centres as ``"explicit"``), e.g. for a JSON report."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        return values | {"init": self.init if isinstance(self.init, str) else "explicit"}
