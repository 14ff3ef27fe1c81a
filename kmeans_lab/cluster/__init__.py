"""Weighted k-means in NumPy, on any ``(n, d)`` points; knows nothing of images.

``distance`` holds the one distance kernel, ``init`` the initialisers, ``bounds`` Hamerly's
bounds for the E step and ``lloyd`` the k-means itself.
"""

from .init import INITIALIZERS
from .lloyd import KMeansResult, kmeans, weighted_kmeans

__all__ = ["INITIALIZERS", "KMeansResult", "kmeans", "weighted_kmeans"]
