"""Claims as code: a report's sentence printed with whether the numbers just computed bear it out.

A notebook computes the numbers a sentence states, then calls :func:`claim`; nbval compares
the printed line, so a re-run that changes a finding fails the tests instead of leaving a
false sentence in the report.
"""

from __future__ import annotations

__all__ = ["claim"]


def claim(statement: str, holds: bool) -> bool:
    """Print ``[holds] statement`` or ``[FAILS] statement``; return whether it holds.

    Examples
    --------
    >>> claim("2 + 2 = 4", 2 + 2 == 4)
    [holds] 2 + 2 = 4
    True
    """
    holds = bool(holds)
    print(f"[{'holds' if holds else 'FAILS'}] {statement}")
    return holds
