"""The cascade: k-means of an image's colours, started on coarse colour cells, finished exactly.

:func:`cascade_kmeans` is the weighted k-means of every distinct colour of an image (so of
every pixel) in any clustering space, its points encoded on an integer grid
(:mod:`kmeans_lab.spaces`), computed in two stages:

1. **Coarse stages** (:func:`cascade_start`). The levels of the colour pyramid
   (:meth:`~kmeans_lab.pyramid.ColorPyramid.coarse_levels`) that are at most a quarter the
   size of the next finer stage and have enough cells per cluster. ``n_init`` starts,
   each initialised and run to the stopping rule by weighted Lloyd on the coarsest level
   (cells at their mean point, weighted by pixel count); the best ``keep`` by inertia are
   refined through the finer levels and the lowest inertia on the last of them wins.
2. **Approximate full-data stage**, on point sets dense in their cells only
   (:attr:`ColorPyramid.dense <kmeans_lab.pyramid.ColorPyramid.dense>`, as the colours of a
   large photograph are): Lloyd on every point with a filter of the pyramid's cubes
   rebuilt only every few iterations (:func:`~kmeans_lab.cluster.filtering.approximate_lloyd`).
   It moves the start close to the fixed point cheaply where cubes decide many points at
   once; on sparse sets (a 768×512 photograph's colours, nearly one per cube) it was
   measured slower than the exact stage itself.
3. **Exact full-data Lloyd**: the plain path itself (:func:`kmeans_lab.cluster.lloyd.lloyd`)
   from that start — the package's Lloyd loop and stopping rule on every point, labels by
   the exact float64 argmin of ``½‖c‖² − x·c`` (ties to the lowest index), computed by
   :class:`~kmeans_lab.cluster.exact.ExactEStep`.

Stages 1 and 2 only choose where stage 3 starts; the result is a weighted-Lloyd fixed point
of all the points reached by the stated rule (with ``tol=0`` one more iteration changes no
label), exactly what the plain path gives from the same start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._optional import single_blas_thread
from .cluster import INITIALIZERS, KMeansResult, weighted_kmeans
from .cluster.filtering import approximate_lloyd
from .cluster.lloyd import centred, lloyd, tolerance
from .pyramid import ColorPyramid

__all__ = ["StartPlan", "CascadeStart", "start_plan", "cascade_start", "cascade_kmeans"]

# The measured plan (see start_plan): up to this K, more starts on a finer coarsest level.
_MANY_STARTS_MAX_K = 64
# The stages that choose the start never stop below scikit-learn's default relative
# tolerance: they end early even when the exact stage is asked for a fixed point (tol=0).
_START_MIN_TOL = 1e-4


@dataclass(frozen=True)
class StartPlan:
    """How the coarse stages choose a start.

    Attributes
    ----------
    n_init : int
        Starts, each initialised and run on the coarsest level.
    min_cells_per_cluster : float
        A coarse level needs at least this many cells per cluster.
    keep : int
        Starts refined through the finer coarse levels (the best by inertia on the coarsest).
    """

    n_init: int
    min_cells_per_cluster: float
    keep: int


def start_plan(k: int, n_init: int | None = None) -> StartPlan:
    """The cascade's plan for ``k`` clusters.

    Parameters
    ----------
    k : int
    n_init : int or None, default None
        Starts; None takes the plan's own.

    Returns
    -------
    StartPlan
        K ≤ 64: 6 starts on a level with ≥ 50 cells per cluster, the best 2 refined;
        K > 64: 1 start on a level with ≥ 20 cells per cluster.

    Notes
    -----
    Measured on the bundled photographs (seeds 0–7, K = 8 and 32) and the 878,715-colour
    2560×1700 photograph (K = 16…256): with 6 starts and 2 refined the mean MSE is at or
    below scikit-learn's ``KMeans(n_init=1)`` on every pixel in all 14 cases; 3 starts left
    K = 64 0.6 % above scikit-learn's MSE on the large photograph. Above K = 64 a start
    costs more (k-means++ is O(cells · K) per centre) and gains less: on the two
    768×512 Kodak photographs at K = 256, in sRGB and Oklab (seeds 0–2), 2, 3 or 6
    starts lowered the inertia by at most 0.4 % and took up to 3.6 times as long as one.

    Examples
    --------
    >>> start_plan(16)
    StartPlan(n_init=6, min_cells_per_cluster=50.0, keep=2)
    >>> start_plan(256)
    StartPlan(n_init=1, min_cells_per_cluster=20.0, keep=1)
    """
    if k <= _MANY_STARTS_MAX_K:
        n, cells, keep = 6, 50.0, 2
    else:
        n, cells, keep = 1, 20.0, 1
    n = n if n_init is None else n_init
    return StartPlan(n_init=n, min_cells_per_cluster=cells, keep=min(keep, n))


@dataclass(frozen=True, eq=False)
class CascadeStart:
    """Where the exact full-data Lloyd starts, and how it was chosen.

    Attributes
    ----------
    centers : ndarray of shape (k, d), float64
        The start, in the points' coordinates.
    levels : tuple of int
        Bits of the coarse levels run, coarse to fine (empty: the starts ran on the points
        themselves).
    inertias : tuple of float
        Each start's inertia after Lloyd on the first stage.
    refined : dict of int to float
        The starts refined, by index, and their inertias after the last coarse stage.
    chosen : int
        The start kept: the lowest refined inertia (the first on a tie).
    approximate_iter : int
        Iterations of the approximate stage (0 on a sparse point set).
    """

    centers: np.ndarray
    levels: tuple[int, ...]
    inertias: tuple[float, ...]
    refined: dict[int, float]
    chosen: int
    approximate_iter: int


def cascade_start(
    pyramid: ColorPyramid,
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    init: str | np.ndarray,
    rng: np.random.Generator,
    plan: StartPlan,
    max_iter: int,
    tol: float,
) -> CascadeStart:
    """Stages 1 and 2 of the cascade: where the exact Lloyd of ``points`` starts.

    Parameters
    ----------
    pyramid : ColorPyramid
        ``ColorPyramid.from_points(points, weights)``.
    points : ndarray of shape (m, d), float64
        At least ``k`` distinct points with positive weight.
    weights : ndarray of shape (m,), float64
    k : int
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, d)
        ``"kmeans++"`` seeds each start on the coarsest stage's cells; ``"random"``
        (uniform in the bounding box of the points) and ``"in_pixels"`` (points drawn with
        probability ∝ weight) draw on all the points, exactly as the plain path does, and
        Lloyd then starts from them on the coarsest stage. Explicit centres (in the points'
        coordinates) are one start.
    rng : numpy.random.Generator
        Every draw, start after start.
    plan : StartPlan
    max_iter, tol
        The stopping rule of each stage, ``max(tol, 1e-4)`` relative to the stage's
        variance: these stages only choose the start, and need not reach a fixed point.
        The approximate stage runs in rounds of 8 iterations over one filter build, with
        a margin of 1 (a step of the integer grid).

    Returns
    -------
    CascadeStart
    """
    tol = max(tol, _START_MIN_TOL)
    levels = tuple(pyramid.coarse_levels(k, plan.min_cells_per_cluster))
    stages = [(pyramid.levels[b].means, pyramid.levels[b].weights) for b in levels]
    if not stages:  # few points: the starts run on the points themselves
        stages = [(points, weights)]
    n_init = plan.n_init if isinstance(init, str) else 1
    runs = []
    for _ in range(n_init):
        if not isinstance(init, str):
            centers = np.asarray(init, dtype=np.float64)
        elif init == "kmeans++":
            centers = INITIALIZERS[init](stages[0][0], k, rng, stages[0][1])
        else:
            centers = INITIALIZERS[init](points, k, rng, weights)
        runs.append(_coarse_lloyd(stages[0], centers, k, max_iter, tol))
    inertias = tuple(run.inertia for run in runs)
    kept = sorted(range(n_init), key=lambda i: (inertias[i], i))[: plan.keep]
    centers = {i: runs[i].centroids for i in kept}
    refined = {i: inertias[i] for i in kept}
    for stage in stages[1:]:
        for i in kept:
            run = _coarse_lloyd(stage, centers[i], k, max_iter, tol)
            centers[i], refined[i] = run.centroids, run.inertia
    chosen = min(kept, key=lambda i: (refined[i], i))
    start, n_iter = centers[chosen], 0
    if pyramid.dense and levels:
        x, offset = centred(points, weights)
        tree = pyramid.cell_tree(x, weights, offset, k)
        threshold = tolerance(x, weights, tol)
        start, n_iter = approximate_lloyd(tree, start - offset, threshold=threshold, max_iter=max_iter)
        start = start + offset
    return CascadeStart(start, levels, inertias, refined, chosen, n_iter)


def _coarse_lloyd(
    stage: tuple[np.ndarray, np.ndarray], centers: np.ndarray, k: int, max_iter: int, tol: float
) -> KMeansResult:
    """Weighted Lloyd on one coarse stage's points, from ``centers``."""
    points, weights = stage
    return weighted_kmeans(points, weights, k, init=centers, seed=None, max_iter=max_iter, tol=tol)


def cascade_kmeans(
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    init: str | np.ndarray = "kmeans++",
    seed: int | None = 0,
    n_init: int | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> KMeansResult:
    """The weighted k-means of points in a clustering space by the cascade (see the module docstring).

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
        Distinct points in the clustering space, integer-valued (:meth:`Encoder.encode
        <kmeans_lab.spaces.Encoder.encode>`), every weighted sum below 2⁵³; at least ``k``.
    weights : ndarray of shape (m,), float64
        Pixel counts (positive).
    k : int
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, d), default "kmeans++"
        An initialiser, or explicit centres in the clustering space.
    seed, n_init, max_iter, tol
        Checked by the caller; ``n_init`` None takes :func:`start_plan`'s.

    Returns
    -------
    KMeansResult
        What the plain path (:func:`kmeans_lab.cluster.weighted_kmeans` with ``init`` the
        chosen start) returns: centres in the points' coordinates, labels in their order,
        the exact stage's ``n_iter`` and ``converged``. The exact stage stops at threshold
        ``tol`` × the points' mean channel variance.

    Notes
    -----
    BLAS runs on one thread throughout, if ``threadpoolctl`` is installed
    (:func:`kmeans_lab._optional.single_blas_thread`): the matrix products here have an
    inner dimension of 4 or 5, too small for a second thread to pay for its
    synchronisation.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0, 0], [2, 2, 2], [200, 0, 0], [204, 0, 0]])
    >>> sorted(cascade_kmeans(points, np.ones(4), 2, seed=0).centroids.tolist())
    [[1.0, 1.0, 1.0], [202.0, 0.0, 0.0]]
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    pyramid = ColorPyramid.from_points(points, weights)
    rng = np.random.default_rng(seed)
    plan = start_plan(k, n_init)
    with single_blas_thread():
        start = cascade_start(pyramid, points, weights, k, init=init, rng=rng, plan=plan, max_iter=max_iter, tol=tol)
        return lloyd(points, weights, start.centers, max_iter=max_iter, tol=tol)
