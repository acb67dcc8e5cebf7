"""What users really type in the fields (huge numbers, odd dates): refused in French, never a crash."""

import pytest

from pre_desktop.services.errors import DomainError
from pre_desktop.services.session_codes import parse_sessions


@pytest.mark.parametrize("text", ["99999999999999999999", "12/99999999999999999999", "1/2/99999999999999999999"])
def test_month_grid_codes_refuse_huge_numbers(text):
    # A key held down in the month grid gave an OverflowError: the grid's save did nothing, silently.
    with pytest.raises(DomainError) as err:
        parse_sessions(text, 2026, 10)
    assert err.value.field == "sessions" and "n'est pas un jour valide" in err.value.message
