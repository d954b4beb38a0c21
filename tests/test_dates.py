"""Publication dates keep the precision their source gives."""

import datetime as dt

import pytest

from dossier.analyze.dates import normalize_date


@pytest.mark.parametrize("value, expected", [
    ("2024-03-15", "2024-03-15"),
    ("2024-03-15T23:10:00-06:00", "2024-03-15"),  # the outlet's own calendar day
    ("Tue, 05 Nov 2019 10:00:00 GMT", "2019-11-05"),
    (dt.date(2025, 2, 20), "2025-02-20"),
    (1710460800, "2024-03-15"),
    ("2019-11", "2019-11"),  # a month stays a month: no made-up first day
    ("March 2024", "2024-03"),
    ("2019", "2019"),
    ("2019-13", None),
    ("not a date", None),
    ("", None),
])
def test_normalize_date(value, expected):
    assert normalize_date(value) == expected
