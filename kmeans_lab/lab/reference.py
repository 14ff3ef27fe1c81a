"""The first report's k-means, reproduced as published — the baseline of runtime tables.

``color-compression-report.md`` (section II) describes: centroids chosen as random RGB
values ("random") or random pixels ("in_pixels"), made unique with a Python set; pixels
and centroids divided by 255; every pixel assigned by ‖x‖² − 2x·c + ‖c‖² over the whole
(N, K) distance matrix; each centroid replaced by the mean of its pixels; stop when the
largest centroid move is below 0.001 or after ``max_iter`` (10000) iterations. Nothing is
weighted or de-duplicated: every pixel is a point. Use :func:`kmeans_lab.quantize` for
real work; this module exists to be timed against.

:func:`reference_run` is the same algorithm with its initialisation and its loop timed
apart, and the centroids of its last assignment kept, so that its labels can be rebuilt
later (:func:`reference_labels`) from a dozen numbers instead of stored per pixel.
:func:`reference_on_colours` runs the same steps on the distinct colours weighted by their
pixel counts — the same draws, assignments and means, so the same iterations and result up
to floating-point rounding, in a fraction of the time (for iteration counts over many seeds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..histogram import distinct_colors

__all__ = [
    "ReferenceRun",
    "choose_centroids",
    "reference_kmeans",
    "reference_labels",
    "reference_on_colours",
    "reference_palette",
    "reference_quantize",
    "reference_run",
]

#: The report's stopping rule: stop once no centroid moves by this much on the [0, 1] scale.
STOP_MOVE = 0.001


def _draw(init_centroids: str, img_1d: np.ndarray, k_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """The report's draws: ``k_clusters`` unique random RGB values or colours of random pixels."""
    if init_centroids == "random":
        draw = lambda: tuple(rng.integers(0, 256, size=3).tolist())  # noqa: E731
    elif init_centroids == "in_pixels":
        draw = lambda: tuple(img_1d[rng.integers(0, len(img_1d))].tolist())  # noqa: E731
    else:
        raise ValueError(f"unknown init {init_centroids!r}; the report has 'random' and 'in_pixels'")
    chosen: set[tuple[int, int, int]] = set()
    ordered = []
    while len(ordered) < k_clusters:
        c = draw()
        if c not in chosen:
            chosen.add(c)
            ordered.append(c)
    return np.array(ordered, dtype=np.float64)


def choose_centroids(init_centroids: str, img_1d: np.ndarray, k_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """``k_clusters`` unique centroids, 0..255: random RGB values or random pixels.

    ``in_pixels`` first checks ``k_clusters`` against the distinct colours with
    ``np.unique(img_1d, axis=0)``, as the report does: a sort of every pixel, seconds on a
    photograph, that ``random`` does not pay.

    Parameters
    ----------
    init_centroids : {"random", "in_pixels"}
    img_1d : ndarray of shape (N, 3), uint8
    k_clusters : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (k_clusters, 3), float64
    """
    if init_centroids == "in_pixels" and k_clusters > len(np.unique(img_1d, axis=0)):
        raise ValueError(f"k={k_clusters} is more than the image's distinct colours")
    return _draw(init_centroids, img_1d, k_clusters, rng)


def _assign(points: np.ndarray, point_norms: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The report's E step: nearest centroid by ‖x‖² − 2x·c + ‖c‖² over the (N, K) matrix."""
    distances = point_norms - 2.0 * points @ centroids.T + np.sum(centroids**2, axis=1)[None, :]
    return np.argmin(distances, axis=1)


@dataclass(frozen=True)
class ReferenceRun:
    """One run of the report's k-means.

    Attributes
    ----------
    centroids : ndarray of shape (K, 3), float64, 0..255
        The centroids it returns (after the last update).
    labels : ndarray of shape (N,), intp
        Each pixel's centroid, from the last assignment step.
    n_iter : int
        Iterations (assignment + update) run.
    assigned : ndarray of shape (K, 3), float64, [0, 1] scale
        The centroids the last assignment used: ``labels == reference_labels(img_1d, assigned)``.
    init_seconds, loop_seconds : float
        Wall-clock time of the initialisation (with ``in_pixels``' ``np.unique``) and of the
        iterations (the normalisation of the pixels included).
    """

    centroids: np.ndarray
    labels: np.ndarray
    n_iter: int
    assigned: np.ndarray
    init_seconds: float
    loop_seconds: float

    @property
    def seconds(self) -> float:
        """``init_seconds + loop_seconds``."""
        return self.init_seconds + self.loop_seconds


def reference_run(
    img_1d: np.ndarray, k_clusters: int, max_iter: int = 10000, init_centroids: str = "random", seed: int | None = 0
) -> ReferenceRun:
    """The report's ``kmeans(img_1d, k_clusters, max_iter, init_centroids)``, its two phases timed.

    Parameters
    ----------
    img_1d : ndarray of shape (N, 3), uint8
    k_clusters : int
    max_iter : int, default 10000
    init_centroids : {"random", "in_pixels"}, default "random"
    seed : int or None, default 0

    Returns
    -------
    ReferenceRun

    Notes
    -----
    Each iteration costs O(N K): the (N, K) distance matrix and its argmin, then K boolean
    masks over the N labels and the mean of each cluster's pixels.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    centroids = choose_centroids(init_centroids, img_1d, k_clusters, rng) / 255.0
    initialised = time.perf_counter()
    pixels = img_1d.astype(np.float64) / 255.0
    pixel_norms = np.sum(pixels**2, axis=1)[:, None]
    labels = np.zeros(len(pixels), dtype=np.intp)
    n_iter = 0
    moved = np.inf
    assigned = centroids
    while moved >= STOP_MOVE and n_iter < max_iter:  # the report's rule: stop once no centroid moves 0.001
        n_iter += 1
        assigned = centroids
        labels = _assign(pixels, pixel_norms, centroids)
        new_centroids = centroids.copy()
        for i in range(k_clusters):
            members = pixels[labels == i]
            if len(members):  # an empty cluster keeps its centroid
                new_centroids[i] = members.mean(axis=0)
        moved = np.max(np.linalg.norm(new_centroids - centroids, axis=1))
        centroids = new_centroids
    done = time.perf_counter()
    return ReferenceRun(centroids * 255.0, labels, n_iter, assigned, initialised - start, done - initialised)


def reference_kmeans(
    img_1d: np.ndarray, k_clusters: int, max_iter: int = 10000, init_centroids: str = "random", seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, int]:
    """The report's ``kmeans(img_1d, k_clusters, max_iter, init_centroids)``.

    Parameters
    ----------
    img_1d : ndarray of shape (N, 3), uint8
    k_clusters : int
    max_iter : int, default 10000
    init_centroids : {"random", "in_pixels"}, default "random"
    seed : int or None, default 0

    Returns
    -------
    centroids : ndarray of shape (k_clusters, 3), float64, 0..255
    labels : ndarray of shape (N,), intp
    n_iter : int
    """
    run = reference_run(img_1d, k_clusters, max_iter, init_centroids, seed)
    return run.centroids, run.labels, run.n_iter


def reference_labels(img_1d: np.ndarray, assigned: np.ndarray, *, chunk: int = 1 << 20) -> np.ndarray:
    """Labels of the report's assignment step for given centroids, in row chunks.

    Parameters
    ----------
    img_1d : ndarray of shape (N, 3), uint8
    assigned : ndarray of shape (K, 3), float64, [0, 1] scale
        E.g. :attr:`ReferenceRun.assigned`.
    chunk : int, default 2**20
        Pixels per block (bounds the (chunk, K) distance matrix).

    Returns
    -------
    ndarray of shape (N,), intp
    """
    labels = np.empty(len(img_1d), dtype=np.intp)
    for start in range(0, len(img_1d), chunk):
        pixels = img_1d[start : start + chunk].astype(np.float64) / 255.0
        labels[start : start + chunk] = _assign(pixels, np.sum(pixels**2, axis=1)[:, None], assigned)
    return labels


def reference_on_colours(
    image: np.ndarray, k_clusters: int, init_centroids: str = "random", seed: int | None = 0, max_iter: int = 10000
) -> tuple[np.ndarray, np.ndarray, int]:
    """The report's k-means run on the distinct colours, each weighted by its pixel count.

    The same draws from the same generator (``in_pixels`` picks pixels, not colours), the
    same assignment formula and the same stopping rule; a cluster's mean is the count-weighted
    mean of its colours, which is the mean of its pixels. So it follows the report's run
    iteration for iteration, up to floating-point rounding of the means, on ~20× fewer points.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    k_clusters : int
    init_centroids : {"random", "in_pixels"}, default "random"
    seed : int or None, default 0
    max_iter : int, default 10000

    Returns
    -------
    centroids : ndarray of shape (k_clusters, 3), float64, 0..255
    labels : ndarray of shape (H*W,), intp
        Each pixel's centroid, from the last assignment step.
    n_iter : int
    """
    colours, counts, inverse = distinct_colors(image)
    if init_centroids == "in_pixels" and k_clusters > len(colours):
        raise ValueError(f"k={k_clusters} is more than the image's distinct colours")
    rng = np.random.default_rng(seed)
    centroids = _draw(init_centroids, image.reshape(-1, 3), k_clusters, rng) / 255.0
    points = colours.astype(np.float64) / 255.0
    norms = np.sum(points**2, axis=1)[:, None]
    weights = counts.astype(np.float64)
    labels = np.zeros(len(points), dtype=np.intp)
    n_iter = 0
    moved = np.inf
    while moved >= STOP_MOVE and n_iter < max_iter:
        n_iter += 1
        labels = _assign(points, norms, centroids)
        sizes = np.bincount(labels, weights=weights, minlength=k_clusters)
        sums = np.stack([np.bincount(labels, weights * points[:, c], k_clusters) for c in range(3)], axis=1)
        filled = sizes > 0  # an empty cluster keeps its centroid
        new_centroids = centroids.copy()
        new_centroids[filled] = sums[filled] / sizes[filled, None]
        moved = np.max(np.linalg.norm(new_centroids - centroids, axis=1))
        centroids = new_centroids
    return centroids * 255.0, labels[inverse], n_iter


def reference_quantize(
    image: np.ndarray, k_clusters: int, init_centroids: str = "random", max_iter: int = 10000, seed: int | None = 0
) -> np.ndarray:
    """The report's pipeline from an (H, W, 3) uint8 image to the compressed (H, W, 3) uint8 image."""
    img_1d = image.reshape(-1, 3)
    centroids, labels, _ = reference_kmeans(img_1d, k_clusters, max_iter, init_centroids, seed)
    return reference_palette(centroids)[labels].reshape(image.shape)


def reference_palette(centroids: np.ndarray) -> np.ndarray:
    """The report's centroids (0..255 floats) as the uint8 colours written to the image."""
    return np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
