"""Initialisers draw from the right distributions, on distinct colours as on pixels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from kmeans_lab._validation import INIT_NAMES
from kmeans_lab.cluster.init import INITIALIZERS, in_pixels_init, kmeans_plusplus_init, random_init


def test_every_initialiser_name_is_registered():
    assert tuple(INITIALIZERS) == INIT_NAMES


# Four distinct colours with very unequal pixel counts.
COLORS = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 50.0, 0.0], [200.0, 200.0, 200.0]])


COUNTS = np.array([1.0, 5.0, 30.0, 64.0])


DRAWS = 4000


def _index_of(rows: np.ndarray) -> np.ndarray:
    return np.array([int(np.flatnonzero((COLORS == r).all(axis=1))[0]) for r in rows])


def test_in_pixels_first_draw_proportional_to_count():
    firsts = [_index_of(in_pixels_init(COLORS, 1, np.random.default_rng(s), COUNTS))[0] for s in range(DRAWS)]
    observed = np.bincount(firsts, minlength=4)
    expected = COUNTS / COUNTS.sum() * DRAWS
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # The same test rejects uniform draws: the check has power.
    assert stats.chisquare(observed, np.full(4, DRAWS / 4)).pvalue < 1e-6


def test_in_pixels_pairs_follow_draws_without_repeat():
    """P(i then j) = w_i/W · w_j/(W − w_i): pick a pixel, then another of a new colour."""
    pairs = [tuple(_index_of(in_pixels_init(COLORS, 2, np.random.default_rng(s), COUNTS))) for s in range(DRAWS)]
    total = COUNTS.sum()
    keys = [(i, j) for i in range(4) for j in range(4) if i != j]
    expected = np.array([COUNTS[i] / total * COUNTS[j] / (total - COUNTS[i]) for i, j in keys]) * DRAWS
    observed = np.array([pairs.count(key) for key in keys])
    assert all(a != b for a, b in pairs)
    mask = expected >= 5  # chi-square needs enough expected counts per cell
    scale = observed[mask].sum() / expected[mask].sum()
    assert stats.chisquare(observed[mask], expected[mask] * scale).pvalue > 1e-3


def test_in_pixels_returns_distinct_points_and_all_when_k_equals_n():
    centres = in_pixels_init(COLORS, 4, np.random.default_rng(0), COUNTS)
    assert sorted(_index_of(centres)) == [0, 1, 2, 3]


def test_in_pixels_never_draws_zero_weight():
    weights = np.array([0.0, 1.0, 0.0, 1.0])
    for s in range(50):
        assert set(_index_of(in_pixels_init(COLORS, 2, np.random.default_rng(s), weights))) == {1, 3}


def test_random_init_uniform_in_bounding_box():
    centres = random_init(COLORS, 3000, np.random.default_rng(0), COUNTS)
    assert (centres >= COLORS.min(axis=0)).all() and (centres <= COLORS.max(axis=0)).all()
    for dim in range(3):
        span = COLORS[:, dim].max() - COLORS[:, dim].min()
        assert stats.kstest(centres[:, dim] / span, "uniform").pvalue > 1e-3


def test_kmeanspp_first_centre_proportional_to_count():
    firsts = [_index_of(kmeans_plusplus_init(COLORS, 1, np.random.default_rng(s), COUNTS))[0] for s in range(DRAWS)]
    observed = np.bincount(firsts, minlength=4)
    assert stats.chisquare(observed, COUNTS / COUNTS.sum() * DRAWS).pvalue > 1e-3


def test_plain_kmeanspp_second_centre_proportional_to_weight_times_d2():
    rng_seeds = range(DRAWS)
    seconds, firsts = [], []
    for s in rng_seeds:
        c = _index_of(kmeans_plusplus_init(COLORS, 2, np.random.default_rng(s), COUNTS, n_local_trials=1))
        firsts.append(c[0])
        seconds.append(c[1])
    firsts, seconds = np.array(firsts), np.array(seconds)
    # Condition on the most frequent first centre (index 3, weight 64).
    chosen = seconds[firsts == 3]
    d2 = ((COLORS - COLORS[3]) ** 2).sum(axis=1)
    p = COUNTS * d2 / (COUNTS * d2).sum()
    observed = np.bincount(chosen, minlength=4)[:3]
    assert stats.chisquare(observed, p[:3] * len(chosen)).pvalue > 1e-3


def test_greedy_kmeanspp_spreads_centres():
    rng = np.random.default_rng(0)
    blobs = np.concatenate([rng.normal(c, 1.0, size=(100, 3)) for c in (0, 50, 100, 150)])
    for seed in range(10):
        centres = kmeans_plusplus_init(blobs, 4, np.random.default_rng(seed), np.ones(len(blobs)))
        # One centre per blob: the blobs are 50 apart and 1 wide.
        assert sorted(np.rint(centres[:, 0] / 50).astype(int).tolist()) == [0, 1, 2, 3]


@pytest.mark.parametrize("init", [in_pixels_init, kmeans_plusplus_init, random_init])
def test_weighted_draws_equal_draws_on_repeated_points(init):
    """The distribution on distinct colours weighted by count equals the one on pixels."""
    pixels = np.repeat(COLORS, COUNTS.astype(int), axis=0)
    a = np.array([init(COLORS, 1, np.random.default_rng(s), COUNTS)[0] for s in range(1500)])
    b = np.array([init(pixels, 1, np.random.default_rng(s + 10**6), None)[0] for s in range(1500)])
    if init is random_init:
        assert stats.ks_2samp(a[:, 0], b[:, 0]).pvalue > 1e-3
    else:
        ia, ib = np.bincount(_index_of(a), minlength=4), np.bincount(_index_of(b), minlength=4)
        assert stats.chi2_contingency(np.array([ia, ib]) + 0).pvalue > 1e-3


def test_kmeans_plusplus_second_centre_distribution():
    """With one trial per step, the second centre is drawn with probability ∝ w·D²."""
    points = np.array([[0.0, 0, 0], [1, 0, 0], [3, 0, 0], [6, 0, 0]])
    weights = np.array([5.0, 1.0, 2.0, 1.0])
    n = 3000
    counts = np.zeros((4, 4))
    for seed in range(n):
        c = kmeans_plusplus_init(points, 2, np.random.default_rng(seed), weights, n_local_trials=1)
        first, second = (int(np.flatnonzero((points == row).all(axis=1))[0]) for row in c)
        counts[first, second] += 1
    p_first = weights / weights.sum()
    np.testing.assert_allclose(counts.sum(axis=1) / n, p_first, atol=0.03)
    # Given the first centre at 0 (the most frequent), second ∝ w·x².
    mass = weights * points[:, 0] ** 2
    np.testing.assert_allclose(counts[0] / counts[0].sum(), mass / mass.sum(), atol=0.04)


def test_kmeans_plusplus_draws_fixed_for_a_seed():
    """Same seed, same draws; weighted distinct points draw like repeated points."""
    rng = np.random.default_rng(0)
    points = rng.integers(0, 50, size=(300, 3)).astype(np.float64)
    weights = rng.integers(1, 4, size=300).astype(np.float64)
    a = kmeans_plusplus_init(points, 8, np.random.default_rng(5), weights)
    b = kmeans_plusplus_init(points, 8, np.random.default_rng(5), weights)
    np.testing.assert_array_equal(a, b)
