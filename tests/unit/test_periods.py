from datetime import date

import pytest

from models.periods import PeriodError, Quarter, canonical_quarter, parse_fy, quarter_of


@pytest.mark.parametrize("text", ["2024/25 Q1", "2024-25 Q1", "Q1 2024/25", "q1 2024-2025", " 2024/25  q1 "])
def test_quarter_spellings_people_type_are_accepted(text):
    assert canonical_quarter(text) == "2024/25 Q1"


@pytest.mark.parametrize("text", ["2024/26 Q1", "2024/25 Q5", "2024 Q1", "April 2024", ""])
def test_bad_quarters_are_refused(text):
    with pytest.raises(PeriodError):
        canonical_quarter(text)


def test_quarter_dates_follow_the_financial_year():
    q1 = Quarter(2024, 1)
    assert (q1.start, q1.end) == (date(2024, 4, 1), date(2024, 6, 30))
    q4 = Quarter(2024, 4)
    assert (q4.start, q4.end, q4.label) == (date(2025, 1, 1), date(2025, 3, 31), "2024/25 Q4")
    assert q4.next() == Quarter(2025, 1) and q1.previous() == Quarter(2023, 4)
    assert Quarter(2020, 1).plus(19) == q4 and q4.minus(Quarter(2020, 1)) == 19


@pytest.mark.parametrize(
    "day, label",
    [
        (date(2025, 3, 31), "2024/25 Q4"),
        (date(2025, 4, 1), "2025/26 Q1"),
        (date(2024, 12, 31), "2024/25 Q3"),
        (date(2024, 7, 1), "2024/25 Q2"),
    ],
)
def test_quarter_of_a_date(day, label):
    assert quarter_of(day).label == label


def test_financial_year_parsing():
    assert parse_fy("2023/24") == parse_fy("2023-24") == parse_fy("2023-2024") == 2023
    with pytest.raises(PeriodError):
        parse_fy("2023/25")
