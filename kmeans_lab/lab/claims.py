"""Claims as code: a report sentence that states a number or a comparison is checked where it is computed.

A notebook cell computes the numbers, then calls :func:`claim` with the finding (numbers
formatted from the computed values) and the condition that makes it true. A claim that holds
prints nothing: the reader sees the finding in the prose, the table or the figure, not the
check. A claim whose condition fails raises :class:`ClaimError` naming the finding, so a
re-run that changes a number fails nbval and regenerating the report stops, rather than
keep a sentence its numbers no longer support.
"""

from __future__ import annotations

__all__ = ["ClaimError", "claim", "within"]


class ClaimError(AssertionError):
    """A report sentence that the numbers computed for it do not support."""


def claim(statement: str, holds: bool) -> None:
    """Do nothing if ``holds``; raise :class:`ClaimError` naming ``statement`` otherwise.

    Parameters
    ----------
    statement : str
        The finding as the report states it, numbers formatted from the computed values:
        the message of the error raised when the data no longer support it.
    holds : bool
        The condition that makes the sentence true.

    Examples
    --------
    >>> ratio = 3.2
    >>> claim(f"kmeans_lab is {ratio:.2g}x faster", ratio > 1)
    >>> claim("pigs fly", False)
    Traceback (most recent call last):
    ...
    kmeans_lab.lab.claims.ClaimError: the data do not support: pigs fly
    """
    if not bool(holds):
        raise ClaimError(f"the data do not support: {statement}")


def within(value: float, low: float, high: float) -> bool:
    """``low <= value <= high``: a range a claim states, with the tolerance written in the bounds."""
    return low <= value <= high
