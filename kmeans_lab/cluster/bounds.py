"""Hamerly's bounds for the E step: the same labels as a full E step, far fewer distances.

Hamerly (2010) keeps, per point, an upper bound ``u`` on the distance to its assigned
centre and a lower bound ``l`` on the distance to every other centre. When the centres
move by ``p_j``, ``u`` grows by its own centre's move and ``l`` shrinks by the largest
move of another centre; a point whose ``u`` stays below ``max(l, s_a)`` (``s_a`` half
the distance from its centre to the nearest other centre) cannot change label, and its
distances are not computed.

Exactness. Plain Lloyd labels a point by the argmin of the *computed* expansion
``½‖c‖² − x·c`` (float32 or float64), whose rounding error is bounded by ``E``. Bounds
here are on the true distances, widened by ``E`` where they come from computed values,
and a point is skipped only when its true squared-distance gap exceeds ``2E`` — then the
computed argmin is also its current label. Every other point (ties included) goes
through the very same block kernel as plain Lloyd, so the labels are identical.

Cost. On a photograph's colours (d = 3) 65–93 % of the points are skipped per late
iteration, but in NumPy a point's bound update costs about as much as its row of
distances (one augmented matrix product), so the bounds do not pay here:
``kmeans(algorithm="auto")`` takes the plain E step, and these bounds run only when asked
for (``algorithm="hamerly"``).
"""

from __future__ import annotations

import numpy as np

from .distance import nearest_centers

__all__ = ["BoundedAssigner"]

# Relative slack on bounds carried across iterations: far above float64 rounding
# (~1e-16 per operation), far below anything that changes which points are skipped.
_SLACK = 1e-12


class BoundedAssigner:
    """Stateful E step: call with successive centres, get the labels a full E step gives.

    Parameters
    ----------
    x : ndarray of shape (m, d), float64
        The (centred) points.
    x_work : ndarray of shape (m, d), float32 or float64
        The same points in the working precision of the distance kernel.

    Attributes
    ----------
    computed : int
        Point–centre distance rows computed so far (a full E step adds ``m``).
    """

    def __init__(self, x: np.ndarray, x_work: np.ndarray) -> None:
        self.x = x
        self.x_columns = np.ascontiguousarray(x.T)  # 1-D gathers are far cheaper than row gathers
        self.x_work = x_work
        self.x_norm2 = np.einsum("ij,ij->i", x, x)
        self.x_radius = float(np.sqrt(self.x_norm2.max()))
        self.eps = float(np.finfo(x_work.dtype).eps)
        self.prev: np.ndarray | None = None
        self.labels = np.zeros(len(x), dtype=np.intp)
        self.upper = np.zeros(len(x))
        self.lower = np.zeros(len(x))
        self.computed = 0

    def _error(self, c: np.ndarray) -> float:
        """Bound on |computed − true| squared distance, for any point and centre.

        The expansion in working precision (inputs rounded, a d-term dot product, a
        subtraction) errs by a few units of roundoff times ‖x‖‖c‖ + ‖c‖²; 16× covers it.
        """
        c_radius = float(np.sqrt(np.einsum("ij,ij->i", c, c).max()))
        d = self.x.shape[1]
        return 16.0 * (d + 2) * self.eps * (self.x_radius * c_radius + c_radius**2 + self.x_radius**2)

    def _full(self, idx: np.ndarray | None, c: np.ndarray, err: float) -> None:
        """Recompute labels and bounds of points ``idx`` (all when None) exactly."""
        pts = self.x_work if idx is None else self.x_work[idx]
        norms = self.x_norm2 if idx is None else self.x_norm2[idx]
        labels, best, second = nearest_centers(pts, c.astype(self.x_work.dtype, copy=False), second=True)
        upper = np.sqrt(np.maximum(2.0 * best + norms + err, 0.0))
        lower = np.sqrt(np.maximum(2.0 * second + norms - err, 0.0))
        self.computed += len(pts)
        if idx is None:
            self.labels, self.upper, self.lower = labels, upper, lower
        else:
            self.labels[idx], self.upper[idx], self.lower[idx] = labels, upper, lower

    def __call__(self, c: np.ndarray) -> np.ndarray:
        """Labels of every point for centres ``c`` (ndarray of shape (k, d), float64)."""
        err = self._error(c)
        k = len(c)
        if self.prev is None or self.prev.shape != c.shape or k == 1:
            self._full(None, c, err)
            self.prev = c.copy()
            return self.labels.copy()

        scale = _SLACK * (self.x_radius + float(np.abs(c).max()) + 1.0)
        shift = np.sqrt(np.einsum("ij,ij->i", c - self.prev, c - self.prev))
        self.prev = c.copy()
        order = np.argsort(shift)
        top, runner_up = shift[order[-1]], shift[order[-2]]
        other_max = np.where(self.labels == order[-1], runner_up, top)
        self.upper += shift[self.labels]
        self.upper *= 1.0 + _SLACK
        self.upper += scale
        self.lower -= other_max
        self.lower *= 1.0 - _SLACK
        self.lower -= scale

        sep = np.sqrt(np.maximum(_pairwise(c), 0.0))
        np.fill_diagonal(sep, np.inf)
        half_sep = 0.5 * sep.min(axis=1) * (1.0 - _SLACK) - scale
        bound = np.maximum(np.maximum(half_sep[self.labels], self.lower), 0.0)
        suspect = np.flatnonzero(bound * bound - self.upper * self.upper <= 2.0 * err)
        if len(suspect):
            # Tighten u to the (float64, direct) distance to the own centre, then retest.
            lab = self.labels[suspect]
            own2 = np.zeros(len(suspect))
            for xj, cj in zip(self.x_columns, c.T):
                diff = xj[suspect] - cj[lab]
                own2 += diff * diff
            own = np.sqrt(own2) * (1.0 + _SLACK) + scale
            self.upper[suspect] = own
            b = bound[suspect]
            still = suspect[b * b - own * own <= 2.0 * err]
            if len(still):
                self._full(still, c, err)
        return self.labels.copy()


def _pairwise(c: np.ndarray) -> np.ndarray:
    """Squared distances between centres, (k, k) float64, computed directly (no expansion)."""
    diff = c[:, None, :] - c[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)
