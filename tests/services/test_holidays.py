import datetime as dt

import pytest

from pre_desktop.services.holidays import easter_sunday, holiday_name, public_holidays

D = dt.date


@pytest.mark.parametrize("year, easter", [
    (2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)), (2027, D(2027, 3, 28)),
    (2038, D(2038, 4, 25)), (2008, D(2008, 3, 23)), (2000, D(2000, 4, 23)),
])
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def test_2026_holidays_as_published():
    assert public_holidays(2026) == {
        D(2026, 1, 1): "Jour de l'an", D(2026, 4, 6): "Lundi de Pâques", D(2026, 5, 1): "Fête du Travail",
        D(2026, 5, 8): "Victoire 1945", D(2026, 5, 14): "Ascension", D(2026, 5, 25): "Lundi de Pentecôte",
        D(2026, 7, 14): "Fête nationale", D(2026, 8, 15): "Assomption", D(2026, 11, 1): "Toussaint",
        D(2026, 11, 11): "Armistice 1918", D(2026, 12, 25): "Noël"}


def test_holiday_name():
    assert holiday_name(D(2027, 5, 6)) == "Ascension"  # Easter 28/03/2027 + 39
    assert holiday_name(D(2027, 5, 17)) == "Lundi de Pentecôte"
    assert holiday_name(D(2026, 11, 12)) is None
    assert holiday_name(D(2008, 5, 1)) == "Fête du Travail et Ascension"
    assert {len(public_holidays(y)) for y in range(2000, 2101)} == {10, 11}
