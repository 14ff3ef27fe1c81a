"""Weighted k-means in NumPy, on any ``(n, d)`` points; knows nothing of images.

``distance`` holds the distance kernels (a matrix product per block; the exact float64
argmin), ``init`` the initialisers, ``lloyd``
the k-means itself and its one Lloyd loop, and ``filtering`` the exact E step that filters
centres on a tree of cubes of integer points (the cascade's full-data stage).
"""

from .init import INITIALIZERS
from .lloyd import KMeansResult, kmeans, weighted_kmeans

__all__ = ["INITIALIZERS", "KMeansResult", "kmeans", "weighted_kmeans"]
