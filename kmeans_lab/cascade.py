"""The cascade: k-means of an image's colours, started on coarse colour cells, finished exactly.

:func:`cascade_kmeans` is the weighted k-means of every distinct colour of a histogram (so
of every pixel), computed as:

1. **Coarse stages** (:func:`cascade_start`). The levels of the colour pyramid
   (:meth:`~kmeans_lab.pyramid.ColorPyramid.coarse_levels`) that are at most a quarter the
   size of the next finer stage and have enough cells per cluster. ``n_init`` starts,
   each initialised and run to the stopping rule by weighted Lloyd on the coarsest level
   (cells at their mean colour, weighted by pixel count; float32 distances); the best
   ``keep`` by inertia are refined through the finer coarse levels and the lowest inertia
   on the last of them wins.
2. **Approximate full-data stage** (:func:`~kmeans_lab.cluster.filtering.approximate_lloyd`):
   Lloyd on every colour whose filter is rebuilt only every few iterations; it moves the
   start close to the fixed point cheaply.
3. **Exact full-data Lloyd** (:func:`~kmeans_lab.cluster.filtering.filtered_lloyd`): the
   package's Lloyd loop and stopping rule on every colour, with the exact filtered E step
   (labels by the exact float64 argmin of ``½‖c‖² − x·c``, ties to the lowest index).

Stages 1 and 2 only choose where stage 3 starts; the result is a weighted-Lloyd fixed point
of all the colours reached by the stated rule (with ``tol=0`` one more iteration changes no
label), whatever they chose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._optional import single_blas_thread
from .cluster import INITIALIZERS, KMeansResult, weighted_kmeans
from .cluster.filtering import CellTree, approximate_lloyd, filtered_lloyd
from .cluster.lloyd import inertia
from .pyramid import ColorPyramid

__all__ = ["StartPlan", "CascadeStart", "CascadeResult", "start_plan", "cascade_start", "cascade_kmeans"]

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
        K > 64: 3 starts on a level with ≥ 20 cells per cluster, the best 1 refined.

    Notes
    -----
    Measured on the bundled photographs (seeds 0–7, K = 8 and 32) and the 878,715-colour
    2560×1700 photograph (K = 16…256): with 6 starts and 2 refined the mean MSE is at or
    below scikit-learn's ``KMeans(n_init=1)`` on every pixel in all 14 cases; 3 starts left
    K = 64 0.6 % above scikit-learn's MSE on the large photograph. Above K = 64 the coarse
    stages cost more per start and the spread between starts is smaller.

    Examples
    --------
    >>> start_plan(16)
    StartPlan(n_init=6, min_cells_per_cluster=50.0, keep=2)
    >>> start_plan(256, n_init=1)
    StartPlan(n_init=1, min_cells_per_cluster=20.0, keep=1)
    """
    if k <= _MANY_STARTS_MAX_K:
        n, cells, keep = 6, 50.0, 2
    else:
        n, cells, keep = 3, 20.0, 1
    n = n if n_init is None else n_init
    return StartPlan(n_init=n, min_cells_per_cluster=cells, keep=min(keep, n))


@dataclass(frozen=True, eq=False)
class CascadeStart:
    """Where the exact full-data Lloyd starts, and how it was chosen.

    Attributes
    ----------
    centers : ndarray of shape (k, 3), float64
        The start, in the pyramid's coordinates (colours minus ``pyramid.offset``).
    levels : tuple of int
        Bits per channel of the coarse levels run, coarse to fine (empty: the starts ran
        on the colours themselves).
    inertias : tuple of float
        Each start's inertia after Lloyd on the first stage.
    refined : dict of int to float
        The starts refined, by index, and their inertias after the last coarse stage.
    chosen : int
        The start kept: the lowest refined inertia (the first on a tie).
    approximate_iter : int
        Iterations of the approximate full-data stage.
    """

    centers: np.ndarray
    levels: tuple[int, ...]
    inertias: tuple[float, ...]
    refined: dict[int, float]
    chosen: int
    approximate_iter: int


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """What :func:`cascade_kmeans` returns.

    Attributes
    ----------
    kmeans : KMeansResult
        ``centroids`` in 0..255, ``labels`` of the colours in the histogram's order,
        ``inertia``, and ``n_iter`` / ``converged`` of the exact full-data Lloyd.
    centers : ndarray of shape (k, 3), float64
        The same centres as iterated, in the pyramid's coordinates (colours minus
        ``pyramid.offset``): the labels are the exact argmin for these.
    start : CascadeStart
        Where the exact Lloyd started, and how that was chosen.
    """

    kmeans: KMeansResult
    centers: np.ndarray
    start: CascadeStart


def cascade_start(
    pyramid: ColorPyramid,
    k: int,
    *,
    init: str | np.ndarray,
    rng: np.random.Generator,
    plan: StartPlan,
    max_iter: int,
    tol: float,
    tree: CellTree | None = None,
) -> CascadeStart:
    """Stages 1 and 2 of the cascade: where the exact Lloyd of ``pyramid``'s colours starts.

    Parameters
    ----------
    pyramid : ColorPyramid
        At least ``k`` colours.
    k : int
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, 3)
        ``"kmeans++"`` seeds each start on the coarsest stage's cells; ``"random"``
        (uniform in the bounding box of the colours) and ``"in_pixels"`` (distinct colours
        drawn with probability ∝ pixel count) draw on the full histogram, exactly as on
        every pixel, and Lloyd then starts from them on the coarsest stage. Explicit
        centres (in 0..255) are one start.
    rng : numpy.random.Generator
        Every draw, start after start.
    plan : StartPlan
    max_iter, tol
        The stopping rule of each stage, ``max(tol, 1e-4)`` relative to the stage's
        variance: these stages only choose the start, and need not reach a fixed point.
    tree : CellTree, optional
        ``pyramid.cell_tree(k)``, if already made.

    Returns
    -------
    CascadeStart
    """
    tol = max(tol, _START_MIN_TOL)
    levels = tuple(pyramid.coarse_levels(k, plan.min_cells_per_cluster))
    stages = [(pyramid.levels[b].means, pyramid.levels[b].weights) for b in levels]
    if not stages:  # few colours: the starts run on the colours themselves
        stages = [(pyramid.points, pyramid.weights)]
    n_init = plan.n_init if isinstance(init, str) else 1
    runs = []
    for _ in range(n_init):
        if not isinstance(init, str):
            centers = np.asarray(init, dtype=np.float64) - pyramid.offset
        elif init == "kmeans++":
            points, weights = stages[0]
            centers = INITIALIZERS[init](points, k, rng, weights)
        else:
            centers = INITIALIZERS[init](pyramid.points, k, rng, pyramid.weights)
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
    threshold = pyramid.variance * tol
    tree = pyramid.cell_tree(k) if tree is None else tree
    start, n_iter = approximate_lloyd(tree, centers[chosen], threshold=threshold, max_iter=max_iter)
    return CascadeStart(start, levels, inertias, refined, chosen, n_iter)


def _coarse_lloyd(
    stage: tuple[np.ndarray, np.ndarray], centers: np.ndarray, k: int, max_iter: int, tol: float
) -> KMeansResult:
    """Weighted Lloyd with float32 distances on one coarse stage's points, from ``centers``."""
    points, weights = stage
    return weighted_kmeans(
        points, weights, k, init=centers, seed=None, max_iter=max_iter, tol=tol, dtype=np.float32, algorithm="lloyd"
    )


def cascade_kmeans(
    pyramid: ColorPyramid,
    k: int,
    *,
    init: str | np.ndarray = "kmeans++",
    seed: int | None = 0,
    n_init: int | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> CascadeResult:
    """The weighted k-means of a pyramid's colours by the cascade (see the module docstring).

    Parameters
    ----------
    pyramid : ColorPyramid
        At least ``k`` colours.
    k : int
    init, seed, n_init, max_iter, tol
        Checked by the caller (:func:`kmeans_lab.fit_palette`); ``n_init`` None takes
        :func:`start_plan`'s.

    Returns
    -------
    CascadeResult
        The exact full-data Lloyd stops at threshold ``tol`` × the colours' mean channel
        variance (:attr:`ColorPyramid.variance`).

    Notes
    -----
    BLAS runs on one thread throughout, if ``threadpoolctl`` is installed
    (:func:`kmeans_lab._optional.single_blas_thread`): the matrix products here have an
    inner dimension of 3 or 4, too small for a second thread to pay for its
    synchronisation. Measured on a 2-core machine under a load of 3.5–4 (medians of 7):
    K = 256 took 0.63–0.82× the time with one thread (72k–879k colours), K = 16–64 0.77–1.2×.

    The exact stage's E step, :class:`~kmeans_lab.cluster.filtering.FilteredEStep`, labels
    every colour by the exact float64 argmin, so from the same start it gives the same
    centres (bit for bit), labels and iteration count as the plain loop with
    :func:`~kmeans_lab.cluster.distance.exact_nearest_centers`.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import ColorHistogram
    >>> image = np.array([[[0, 0, 0], [2, 2, 2], [200, 0, 0], [204, 0, 0]]], np.uint8)
    >>> pyramid = ColorPyramid.from_histogram(ColorHistogram.from_image(image))
    >>> sorted(cascade_kmeans(pyramid, 2, seed=0).kmeans.centroids.tolist())
    [[1.0, 1.0, 1.0], [202.0, 0.0, 0.0]]
    """
    tree = pyramid.cell_tree(k)
    rng = np.random.default_rng(seed)
    plan = start_plan(k, n_init)
    with single_blas_thread():
        start = cascade_start(pyramid, k, init=init, rng=rng, plan=plan, max_iter=max_iter, tol=tol, tree=tree)
        run = filtered_lloyd(tree, start.centers, threshold=pyramid.variance * tol, max_iter=max_iter)
    result = KMeansResult(
        centroids=run.centers + pyramid.offset,
        labels=run.labels,
        inertia=inertia(pyramid.points, pyramid.weights, run.centers, run.labels),
        n_iter=run.n_iter,
        converged=run.converged,
    )
    return CascadeResult(result, run.centers, start)
