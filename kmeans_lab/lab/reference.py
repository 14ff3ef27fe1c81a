"""The first report's k-means, reproduced as published — the baseline of runtime tables.

``color-compression-report.md`` (section II) describes: centroids chosen as random RGB
values ("random") or random pixels ("in_pixels"), made unique with a Python set; pixels
and centroids divided by 255; every pixel assigned by ‖x‖² − 2x·c + ‖c‖² over the whole
(N, K) distance matrix; each centroid replaced by the mean of its pixels; stop when the
largest centroid move is below 0.001 or after ``max_iter`` (10000) iterations. Nothing is
weighted or de-duplicated: every pixel is a point. Use :func:`kmeans_lab.quantize` for
real work; this module exists to be timed against.
"""

from __future__ import annotations

import numpy as np

__all__ = ["choose_centroids", "reference_kmeans", "reference_quantize"]


def choose_centroids(init_centroids: str, img_1d: np.ndarray, k_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """``k_clusters`` unique centroids, 0..255: random RGB values or random pixels.

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
    if init_centroids == "random":
        draw = lambda: tuple(rng.integers(0, 256, size=3).tolist())  # noqa: E731
    elif init_centroids == "in_pixels":
        if k_clusters > len(np.unique(img_1d, axis=0)):
            raise ValueError(f"k={k_clusters} is more than the image's distinct colours")
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
    rng = np.random.default_rng(seed)
    centroids = choose_centroids(init_centroids, img_1d, k_clusters, rng) / 255.0
    pixels = img_1d.astype(np.float64) / 255.0
    pixel_norms = np.sum(pixels**2, axis=1)[:, None]
    labels = np.zeros(len(pixels), dtype=np.intp)
    n_iter = 0
    moved = np.inf
    while moved >= 0.001 and n_iter < max_iter:  # the report's rule: stop once no centroid moves 0.001
        n_iter += 1
        distances = pixel_norms - 2.0 * pixels @ centroids.T + np.sum(centroids**2, axis=1)[None, :]
        labels = np.argmin(distances, axis=1)
        new_centroids = centroids.copy()
        for i in range(k_clusters):
            members = pixels[labels == i]
            if len(members):  # an empty cluster keeps its centroid
                new_centroids[i] = members.mean(axis=0)
        moved = np.max(np.linalg.norm(new_centroids - centroids, axis=1))
        centroids = new_centroids
    return centroids * 255.0, labels, n_iter


def reference_quantize(
    image: np.ndarray, k_clusters: int, init_centroids: str = "random", max_iter: int = 10000, seed: int | None = 0
) -> np.ndarray:
    """The report's pipeline from an (H, W, 3) uint8 image to the compressed (H, W, 3) uint8 image."""
    img_1d = image.reshape(-1, 3)
    centroids, labels, _ = reference_kmeans(img_1d, k_clusters, max_iter, init_centroids, seed)
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    return palette[labels].reshape(image.shape)
