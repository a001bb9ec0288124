"""CLD events keyed by the return's Event Reference: a later submission's correction supersedes, never adds.

Two rolling submissions from the council (E10000003), Cambridge service users on long-term community support:
- S1, load 50: 2023-04-01 to 2024-03-31 (the only one covering 2023/24 Q4's end, 2024-03-31);
- S2, load 51: 2024-04-01 to 2025-03-31 (read for 2024/25 Q1 onwards).
People:
- r1, a direct payment, Event Reference EV-1: S1 says it started 2024-03-25; S2 corrects the start to 2024-04-05.
  The later version wins everywhere: not open at 2024-03-31, new in 2024/25 Q1 only;
- r2, the same correction with no Event Reference: the fallback (DHSC's identity by values) sees two events,
  open at 2024-03-31 as S1 says and new in both quarters;
- r3 and r4, commissioned support since June 2023, both sent with reference PKG-9 (a package number shared by
  two people, so not an event's reference): each read as its submission sends it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.cld_fixtures import COMMISSIONED, DP, cld_row, submission, warehouse_of

CAMBRIDGE = "E07000008"
S1 = submission(50, date(2023, 4, 1), date(2024, 3, 31))
S2 = submission(51, date(2024, 4, 1), date(2025, 3, 31))
SENT, CORRECTED = date(2024, 3, 25), date(2024, 4, 5)


def rows() -> list[dict]:
    out = []
    for sub, start in [(S1, SENT), (S2, CORRECTED)]:
        out += [
            cld_row(sub, "r1", delivery_mechanism=DP, event_start_date=start, event_reference="EV-1"),
            cld_row(sub, "r2", delivery_mechanism=DP, event_start_date=start),
            cld_row(sub, "r3", delivery_mechanism=COMMISSIONED, event_reference="PKG-9"),
            cld_row(sub, "r4", delivery_mechanism=COMMISSIONED, event_reference=" PKG-9 "),
        ]
    return out


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return warehouse_of(rows())


def uptake(con, period: str) -> tuple:
    return con.sql(
        "select dp_recipients, community_clients from mart_dp_uptake where period = ? and locality_code = ?",
        params=[period, CAMBRIDGE],
    ).fetchall()[0]


def test_a_start_date_corrected_later_is_not_open_at_the_earlier_quarter_end(con):
    # 2024-03-31: r2 (as S1 says), r3, r4; r1 started 2024-04-05 as S2 corrected it.
    assert uptake(con, "2023/24 Q4") == (1, 3)
    assert uptake(con, "2024/25 Q1") == (2, 4)


def test_a_corrected_event_starts_once_a_fallback_event_twice(con):
    starts = con.sql("""select person_id, list(period order by period)
                        from int_cld_events_snapshotted
                        where period in ('2023/24 Q4', '2024/25 Q1') and event_type = 'Service'
                            and event_start_date between quarter_start and quarter_end
                        group by person_id order by person_id""").fetchall()
    assert starts == [("N:r1", ["2024/25 Q1"]), ("N:r2", ["2023/24 Q4", "2024/25 Q1"])]


def test_each_quarter_reads_one_version_of_a_keyed_event(con):
    got = con.sql("""select period, event_start_date, load_id from int_cld_events_snapshotted
                     where person_id = 'N:r1' and period in ('2023/24 Q4', '2024/25 Q1') order by period""").fetchall()
    assert got == [("2023/24 Q4", CORRECTED, 51), ("2024/25 Q1", CORRECTED, 51)]


def test_a_reference_shared_by_two_people_is_not_used_as_a_key(con):
    keys = con.sql("""select person_id, any_value(event_key) from stg_cld where load_id = 50
                      group by person_id order by person_id""").fetchall()
    assert keys == [("N:r1", "E10000003|Service|EV-1"), ("N:r2", None), ("N:r3", None), ("N:r4", None)]
