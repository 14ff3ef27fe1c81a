"""Weighted k-means in NumPy, on any ``(n, d)`` points; knows nothing of images.

``distance`` holds the distance kernels (a matrix product per block; the exact float64
argmin, the reference of every E step), ``init`` the initialisers, ``lloyd`` the k-means
itself and its one Lloyd loop, and ``exact`` the E step every Lloyd run uses: the exact
argmin's labels and sums, computed as certified float32 products over the centres that
moved.
"""

from .init import INITIALIZERS
from .lloyd import KMeansResult, kmeans, weighted_kmeans

__all__ = ["INITIALIZERS", "KMeansResult", "kmeans", "weighted_kmeans"]
