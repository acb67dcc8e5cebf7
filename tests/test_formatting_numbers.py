"""Counts, averages and shares written the French way (the annual report, the dashboard)."""

from __future__ import annotations

from decimal import Decimal

from pre_desktop.formatting import NBSP, NNBSP, fr_number, fr_percent


def test_numbers_group_thousands_with_a_narrow_no_break_space():
    assert fr_number(0) == "0"
    assert fr_number(1234) == f"1{NNBSP}234"
    assert fr_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert fr_number(-1234.5) == f"-1{NNBSP}235"  # half away from zero, as fr_amount
    assert fr_number(None) == ""


def test_decimals_take_a_comma():
    assert fr_number(12.5, 1) == "12,5"
    assert fr_number(Decimal("3"), 1) == "3,0"
    assert fr_number(-0.04, 1) == "0,0"  # no "-0,0"


def test_shares_are_percentages_with_a_no_break_space():
    assert fr_percent(0.4523) == f"45{NBSP}%"
    assert fr_percent(1) == f"100{NBSP}%"
    assert fr_percent(0.005) == f"1{NBSP}%"
    assert fr_percent(Decimal("0.125"), 1) == f"12,5{NBSP}%"
    assert fr_percent(None) == ""
