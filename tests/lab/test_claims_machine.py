"""Claims checked in code, and the machine summary."""

from __future__ import annotations

import pytest

from kmeans_lab.lab.claims import ClaimError, claim, within
from kmeans_lab.lab.machine import machine_summary


def test_a_supported_claim_prints_nothing(capsys):
    claim("two is more than one", 2 > 1)
    assert capsys.readouterr().out == ""


def test_an_unsupported_claim_stops_the_report(capsys):
    with pytest.raises(ClaimError, match="the data do not support: one is more than two"):
        claim("one is more than two", 1 > 2)
    assert capsys.readouterr().out == ""


def test_within_includes_its_bounds():
    assert within(1.0, 1.0, 2.0) and within(2.0, 1.0, 2.0) and not within(2.01, 1.0, 2.0)


def test_machine_summary_names_cpu_cores_and_versions():
    table = machine_summary()
    for item in ("CPU", "logical cores", "Python", "numpy", "kmeans-lab"):
        assert item in table.index and table.loc[item, "value"]
