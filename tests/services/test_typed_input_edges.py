"""What users really type in the fields (huge numbers, odd dates): refused in French, never a crash."""

from decimal import Decimal

import pytest

from pre_desktop.services.common import as_amount
from pre_desktop.services.errors import DomainError
from pre_desktop.services.session_codes import parse_sessions


@pytest.mark.parametrize("text", ["99999999999999999999", "12/99999999999999999999", "1/2/99999999999999999999"])
def test_month_grid_codes_refuse_huge_numbers(text):
    # A key held down in the month grid gave an OverflowError: the grid's save did nothing, silently.
    with pytest.raises(DomainError) as err:
        parse_sessions(text, 2026, 10)
    assert err.value.field == "sessions" and "n'est pas un jour valide" in err.value.message


@pytest.mark.parametrize("text", ["99999999999999999999999999999", "1e400", "100 000 000,00"])
def test_amounts_too_big_for_a_tariff_are_refused(text):
    # 29 digits or "1e400" raised decimal.InvalidOperation out of the convention form's save;
    # past 99 999 999,99 the Numeric(10, 2) column cannot hold the amount exactly.
    with pytest.raises(DomainError) as err:
        as_amount(text, "tariff_individual", "Tarif entretien individuel")
    assert err.value.field == "tariff_individual" and "n'est pas un montant valide" in err.value.message


def test_amounts_as_typed_in_french_are_read():
    assert as_amount("1 234,50", "f", "Tarif") == Decimal("1234.50")
    assert as_amount("1\u00a0234,50 €", "f", "Tarif") == Decimal("1234.50")
    assert as_amount("99 999 999,99", "f", "Tarif") == Decimal("99999999.99")


def test_a_year_typed_short_and_an_amount_below_the_cent_are_refused_not_guessed():
    from pre_desktop.services.common import as_amount, as_date
    from pre_desktop.services.errors import DomainError

    for typed in ("12/03/0026", "12/03/26", "01/01/2101"):
        with pytest.raises(DomainError) as refused:
            as_date(typed, "start_date", "Début")
        assert refused.value.field == "start_date"
    assert as_date("12/03/1950", "birth_date", "Naissance").year == 1950
    with pytest.raises(DomainError) as refused:
        as_amount("45,555", "tariff_individual", "Tarif entretien individuel")
    assert refused.value.field == "tariff_individual" and "centime" in refused.value.message
    assert str(as_amount("45,5", "t", "Tarif")) == "45.50"
