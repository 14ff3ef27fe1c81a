"""Claims as code: a report sentence that states a number or a comparison is checked where it is computed.

A notebook cell computes the numbers, then calls :func:`claim` with the sentence (numbers
formatted from the computed values) and the condition that makes it true. The sentence is
printed, so nbval compares it with the stored output: a re-run that changes a number fails
the test suite instead of leaving a false sentence. A claim whose condition fails raises
:class:`ClaimError`, so regenerating the report stops rather than store a false finding.

The markdown after such a cell states what the condition tests — a range, a bound, an
ordering ("22–31 times fewer colours than pixels" checked by ``within(ratio, 22, 31)``), not
a bare value the condition does not hold to — so that a regenerated report can never keep a
sentence its numbers no longer support.
"""

from __future__ import annotations

__all__ = ["ClaimError", "claim", "within"]


class ClaimError(AssertionError):
    """A report sentence that the numbers computed for it do not support."""


def claim(statement: str, holds: bool) -> str:
    """Print ``statement`` if ``holds``; raise :class:`ClaimError` naming it otherwise.

    Parameters
    ----------
    statement : str
        The sentence as the report states it, numbers formatted from computed values (to
        the precision the text uses, so the printed line is stable across runs).
    holds : bool
        The condition that makes the sentence true.

    Returns
    -------
    str
        ``statement``.

    Examples
    --------
    >>> ratio = 3.2
    >>> _ = claim(f"kmeans_lab is {ratio:.2g}x faster", ratio > 1)
    ✓ kmeans_lab is 3.2x faster
    >>> claim("pigs fly", False)
    Traceback (most recent call last):
    ...
    kmeans_lab.lab.claims.ClaimError: the data do not support: pigs fly
    """
    if not bool(holds):
        raise ClaimError(f"the data do not support: {statement}")
    print(f"✓ {statement}")
    return statement


def within(value: float, low: float, high: float) -> bool:
    """``low <= value <= high``: a range a claim states, with the tolerance written in the bounds."""
    return low <= value <= high
