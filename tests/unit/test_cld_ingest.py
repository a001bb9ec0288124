"""CLD in: Release 1 and 2 files, spaced and underscore headers, CSV and XLSX, stacked in one load.

Small hand-made submissions; every expected value below is worked out by hand from the rows written here.
"""

from __future__ import annotations

import duckdb
import pytest
import xlsxwriter

from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
from tests.conftest import write_test_config
from tests.unit.test_ingest import build, store_rows, warehouse_rows

SPACED = [
    "LA Code", "Reporting Period Start Date", "Reporting Period End Date", "NHS Number",
    "LA Person Unique Identifier", "First Name", "Last Name", "GP Practice Name", "Date of Birth", "Postcode",
    "Client Type", "Event Type", "Event Start Date", "Event End Date", "Service Type", "Service Component",
    "Delivery Mechanism", "Cost Frequency (Unit Type)", "Request: Route of Access",
]  # fmt: skip
UNDERSCORE = [h.replace(": ", "_").replace(" (", "_").replace(")", "").replace(" ", "_") for h in SPACED]
# Release 2 wording, spaced headers, CSV: the 2024/25 submission.
R2_ROWS = [
    ["E10000003", "01/04/2024", "31/03/2025", "943 476 5919", "LA001", "Alicia", "Featherstone", "The Abbey Surgery",
     "15/06/1940", "cb6 1ab", "Service user", "Service", "2024-05-01", "", "Long term support: Community",
     "Direct payment", "Direct payment", "Weekly", ""],
    # no NHS number: the LA id identifies her; odd case and spacing everywhere
    ["E10000003", "01/04/2024", "31/03/2025", "", "LA002", "Beatrix", "Quenby", "Riverside Practice",
     "1950-02-10", " pe13  2xy ", "Service user", "Service", "2024-06-01", "2024-12-31",
     "long term support:  community", "Home Support", "Cash", "Four weekly", ""],
    # nobody: rejected
    ["E10000003", "01/04/2024", "31/03/2025", "", "", "Carys", "Pemberton", "", "", "CB1 2AB", "Service user",
     "Request", "2024-07-01", "", "", "", "", "", "Community / Other route"],
    # 31 February: rejected
    ["E10000003", "01/04/2024", "31/03/2025", "4010232137", "LA004", "Daniel", "Ashcombe", "", "", "CB7 4AA",
     "Service user", "Assessment", "31/02/2024", "", "", "", "", "", ""],
]  # fmt: skip
# Release 1 wording, underscore headers, XLSX: the next quarter's rolling submission.
R1_ROWS = [
    ["E10000003", "2024-07-01", "2025-06-30", "9434765870", "LA010", "Evelyn", "Whitlock", "Hillcrest Surgery",
     "1960-03-03", "cb61ab", "Carer", "Service", "2024-08-01", "", "Carer Support: Direct to Carer",
     "Carer Respite", "Direct Payment", "One off", ""],
    ["E10000003", "2024-07-01", "2025-06-30", "9434765919", "", "Alicia", "Featherstone", "The Abbey Surgery",
     "1940-06-15", "CB7", "Service User", "Service", "2024-09-01", "", "Long Term Support: Nursing Care",
     "Nursing Care", "", "", ""],
]  # fmt: skip
NAMES = ["Alicia", "Featherstone", "Beatrix", "Quenby", "Carys", "Pemberton", "Daniel", "Ashcombe", "Evelyn"]
NAMES += ["Whitlock", "Abbey Surgery", "Riverside Practice", "Hillcrest"]
NHS_NUMBERS = ["943 476 5919", "9434765919", "4010232137", "9434765870"]
POSTCODES = ["cb6 1ab", "cb61ab", "pe13  2xy", "pe132xy", "pe13 2xy", "cb1 2ab", "cb12ab", "cb7 4aa", "cb74aa"]


@pytest.fixture
def settings(tmp_path):
    return load_settings(write_test_config(tmp_path))


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path, header, rows):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("CLD")
    for i, row in enumerate([header, *rows]):
        for j, value in enumerate(row):
            if value:
                sheet.write_string(i, j, value)
    book.close()
    return path


@pytest.fixture
def loaded(settings, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "cld_2024_25_q4.csv", SPACED, R2_ROWS)
    write_xlsx(inbox / "cld_2025_26_q1.xlsx", UNDERSCORE, R1_ROWS)
    results = ingest_paths([inbox], settings)
    return settings, results


def test_both_releases_and_header_styles_load_as_release_2_in_one_load(loaded):
    settings, results = loaded
    assert [(r.source, r.status, r.rows_read, r.rows_loaded, r.rows_rejected) for r in results] == [
        ("cld", "loaded_with_rejects", 4, 2, 2),
        ("cld", "loaded", 2, 2, 0),
    ]
    rows = store_rows(
        settings,
        "select source_row, person_id_source, birth_year, birth_month, postcode_district, postcode_sector, "
        "client_type, service_type, service_component, delivery_mechanism, cost_frequency_unit_type, "
        "event_start_date::varchar, event_end_date::varchar from raw_cld order by load_id, source_row",
    )
    assert rows == [
        (2, "nhs_number", 1940, 6, "CB6", "CB6 1", "Service user", "Long term support: Community",
         "Direct payment", "Direct payment", "Weekly", "2024-05-01", None),
        (3, "la_person_id", 1950, 2, "PE13", "PE13 2", "Service user", "Long term support: Community",
         "Home support or domiciliary care", "Invalid and not mapped", "4-weekly", "2024-06-01", "2024-12-31"),
        (2, "nhs_number", 1960, 3, "CB6", "CB6 1", "Unpaid carer", "Unpaid carer support: Direct to unpaid carer",
         "Unpaid carer respite", "Direct payment", "One-off", "2024-08-01", None),
        (3, "nhs_number", 1940, 6, "CB7", None, "Service user", "Long term support: Nursing care",
         "Long term nursing care", None, None, "2024-09-01", None),
    ]  # fmt: skip


def test_the_same_nhs_number_is_the_same_person_across_submissions_and_spellings(loaded):
    settings, _ = loaded
    (alice_q4, bea, eve, alice_q1) = [
        r[0] for r in store_rows(settings, "select person_id from raw_cld order by load_id, source_row")
    ]
    assert alice_q4 == alice_q1  # "943 476 5919" and "9434765919"
    assert len({alice_q4, bea, eve}) == 3 and all(p.startswith("ph_") and len(p) == 23 for p in (bea, eve))


def test_structural_faults_are_rejected_with_their_reason(loaded):
    settings, _ = loaded
    rejects = store_rows(settings, "select row_number, column_name, value, reason from rejects order by row_number")
    assert rejects == [
        (4, "nhs_number", None, "no person identifier: NHS Number and LA Person Unique Identifier are both blank, "
         "so the event cannot be counted for anyone"),
        (5, "event_start_date", "31/02/2024", "event_start_date should be a date like 2024-04-30 or 30/04/2024"),
    ]  # fmt: skip


def test_quality_counts_blank_invalid_and_mapped_per_submission_and_field(loaded):
    settings, _ = loaded
    rows = store_rows(
        settings,
        "select split_part(submission_id, '_', 2), field, rows, blank, invalid, mapped from cld_quality "
        "where field in ('delivery_mechanism', 'service_type', 'postcode', 'nhs_number', 'event_start_date') "
        "order by 1, 2",
    )
    assert rows == [
        # Q4 CSV: DP valid, "Cash" invalid, two blanks; service type "long term support:  community" mapped
        ("20240401", "delivery_mechanism", 4, 2, 1, 0),
        ("20240401", "event_start_date", 4, 0, 1, 0),
        ("20240401", "nhs_number", 4, 2, 0, 0),
        ("20240401", "postcode", 4, 0, 0, 0),
        ("20240401", "service_type", 4, 2, 0, 1),
        # Q1 XLSX (Release 1): "Direct Payment" mapped, one blank; both service types mapped
        ("20240701", "delivery_mechanism", 2, 1, 0, 1),
        ("20240701", "event_start_date", 2, 0, 0, 0),
        ("20240701", "nhs_number", 2, 0, 0, 0),
        ("20240701", "postcode", 2, 0, 0, 0),
        ("20240701", "service_type", 2, 0, 0, 2),
    ]


def found_in(path, needles: list[str]) -> list[tuple]:
    """(table, column, value) of every VARCHAR value in the database at ``path`` holding one of ``needles``
    (case and spaces ignored: "PE13  2XY" is found as "pe132xy" too)."""
    hits = []
    with duckdb.connect() as con:
        con.sql("attach ? as db (read_only)", params=[str(path)])
        columns = con.sql(
            "select table_name, column_name from duckdb_columns() where database_name = 'db' and data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            value = f"lower(replace(\"{column}\", ' ', ''))"
            rows = con.sql(
                f'select "{column}" from db."{table}" '
                f"where exists (select 1 from unnest($n) as u(x) where contains({value}, x)) limit 1",
                params={"n": sorted({n.lower().replace(" ", "") for n in needles})},
            ).fetchall()
            hits += [(table, column, v) for (v,) in rows]
    return hits


def test_no_name_nhs_number_or_full_postcode_in_any_table_of_the_store_or_warehouse(loaded, monkeypatch):
    settings, _ = loaded
    build(settings, monkeypatch)
    for path in (settings.path("ingest_store"), settings.path("warehouse")):
        assert found_in(path, NAMES + NHS_NUMBERS + POSTCODES) == []
        # The search does find what is kept: the postcode sector of CB6 1AB.
        assert ("raw_cld" if "warehouse" in path.name else "cld_load_1", "postcode_sector", "CB6 1") in found_in(
            path, ["cb6 1"]
        )
    assert warehouse_rows(settings, "select count(*) from raw_cld") == [(4,)]


def test_the_reader_writes_the_shape_the_cld_models_read():
    from pipelines.cld.fields import STORED
    from pipelines.cld_contract import RAW_CLD_COLUMNS

    assert [(name, kind.lower()) for name, kind in STORED] == list(RAW_CLD_COLUMNS.items())


def test_data_quality_report_names_the_submission_and_counts_each_field(loaded, monkeypatch):
    from dashboard.present.data_quality import cld_quality
    from dashboard.queries import Warehouse

    settings, _ = loaded
    build(settings, monkeypatch)
    frame = Warehouse(settings).cld_quality()
    newest = cld_quality(frame)
    assert list(newest.submissions.values()) == [
        "E10000003, 1 July 2024 to 30 June 2025 (cld_2025_26_q1.xlsx)",
        "E10000003, 1 April 2024 to 31 March 2025 (cld_2024_25_q4.csv)",
    ]
    q4 = cld_quality(frame, next(s for s in newest.submissions if "_20240401_" in s))
    rows = {r[0]: r[1:] for r in q4.table.rows}
    # 4 rows: delivery mechanism "Direct payment", "Cash" (invalid), two blanks
    assert rows["Delivery mechanism"] == ["2 (50.0%)", "1 (25.0%)", "0"]
    assert rows["Event start date"] == ["0", "1 (25.0%)", "0"]  # 31/02/2024
    assert rows["Cost frequency unit type"] == ["2 (50.0%)", "0", "1 (25.0%)"]  # "Four weekly" -> "4-weekly"
    assert q4.summary.text.startswith("E10000003, 1 April 2024 to 31 March 2025 (cld_2024_25_q4.csv): 4 rows.")
    # The CSV has every submission's fields
    assert q4.download.height == 2 * 39 and q4.download.columns[:3] == ["file_name", "submission", "field"]


def test_rows_keep_their_file_row_numbers_across_empty_lines(settings, tmp_path):
    # The CSV is read in parallel and rows are numbered by position: empty lines must not shift the numbers.
    # Header on row 1; Alicia row 2; an empty line (3) and a line of commas (4); Beatrix row 5; Carys (no person
    # identifier) row 6; Daniel (31 February) row 7.
    path = tmp_path / "cld_gaps.csv"
    lines = [",".join(SPACED), ",".join(R2_ROWS[0]), "", "," * (len(SPACED) - 1)]
    lines += [",".join(r) for r in R2_ROWS[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [result] = ingest_paths([path], settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    assert store_rows(settings, "select row_number, column_name from rejects order by row_number") == [
        (6, "nhs_number"),
        (7, "event_start_date"),
    ]
    assert store_rows(settings, "select source_row, event_start_date::varchar from raw_cld order by source_row") == [
        (2, "2024-05-01"),
        (5, "2024-06-01"),
    ]
    assert [r[0] for r in store_rows(settings, "select rows from cld_quality where field = 'event_type'")] == [4]


def test_an_nhs_number_failing_its_check_digit_is_not_used_as_identity(settings, tmp_path):
    # 9434765919 and 4010232137 pass the modulus 11 check: 9434765919's first nine digits weigh
    # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299 = 27*11 + 2, so the check digit is 11 - 2 = 9.
    # 9434765918 (the last digit mistyped) and 4010232138 fail it.
    header = ["LA Code", "Reporting Period Start Date", "Reporting Period End Date", "NHS Number",
              "LA Person Unique Identifier", "Client Type", "Event Type", "Event Start Date"]
    start = ["E10000003", "2024-04-01", "2025-03-31"]
    rows = [
        start + ["943-476-5918", "LA100", "Service user", "Request", "2024-05-01"],  # invalid: the LA id is used
        start + ["", "LA100", "Service user", "Assessment", "2024-05-02"],  # the same person, by the LA id
        start + ["4010232138", "", "Service user", "Request", "2024-05-03"],  # invalid, no LA id: rejected
        start + ["401 023 2137", "LA101", "Service user", "Request", "2024-05-04"],  # valid: the NHS number is used
        start + ["4010232137", "", "Service user", "Review", "2024-05-05"],  # the same person, by the NHS number
    ]  # fmt: skip
    [result] = ingest_paths([write_csv(tmp_path / "cld_check_digit.csv", header, rows)], settings)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    people = store_rows(settings, "select source_row, person_id, person_id_source from raw_cld order by source_row")
    assert [(row, source) for row, _, source in people] == [
        (2, "la_person_id"), (3, "la_person_id"), (5, "nhs_number"), (6, "nhs_number"),
    ]  # fmt: skip
    ids = [p for _, p, _ in people]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]
    assert store_rows(settings, "select row_number, column_name, value, reason from rejects") == [
        (4, "nhs_number", None, "no usable person identifier: the NHS Number fails its check digit (modulus 11; "
         "the number is not kept) and the LA Person Unique Identifier is blank, so the event cannot be counted "
         "for anyone"),
    ]  # fmt: skip
    # The data quality report counts the two failing numbers as invalid, the one blank as blank.
    quality = "select rows, blank, invalid from cld_quality where field = 'nhs_number'"
    assert store_rows(settings, quality) == [(5, 1, 2)]


DATE_HEADER = ["LA Code", "Reporting Period Start Date", "Reporting Period End Date", "LA Person Unique Identifier",
               "Client Type", "Event Type", "Event Start Date", "Event End Date", "Date of Death"]  # fmt: skip


def test_month_first_dates_are_read_so_when_the_file_proves_it(settings, tmp_path):
    # 03/31/2025 and 04/30/2024 can only be month first, and no date only day first: the whole file is month first,
    # so 03/04/2024 is 4 March and 12/01/2024 is 1 December (day first they would be 3 April and 12 January).
    rows = [
        ["E10000003", "04/01/2024", "03/31/2025", "LA1", "Service user", "Request", "04/30/2024", "", ""],
        ["E10000003", "04/01/2024", "03/31/2025", "LA2", "Service user", "Service", "03/04/2024", "12/01/2024",
         "12/01/2024"],
    ]  # fmt: skip
    [result] = ingest_paths([write_csv(tmp_path / "cld_us_dates.csv", DATE_HEADER, rows)], settings)
    assert (result.status, result.rows_loaded) == ("loaded", 2)
    assert "dates read month first, as 03/31/2025 (reporting_period_end_date, row 2) shows" in result.message
    assert store_rows(
        settings,
        "select reporting_period_start_date::varchar, reporting_period_end_date::varchar, event_start_date::varchar, "
        "event_end_date::varchar, date_of_death::varchar from raw_cld order by source_row",
    ) == [
        ("2024-04-01", "2025-03-31", "2024-04-30", None, None),
        ("2024-04-01", "2025-03-31", "2024-03-04", "2024-12-01", "2024-12-01"),
    ]


def test_dates_are_day_first_unless_the_file_proves_otherwise(settings, tmp_path):
    rows = [["E10000003", "01/04/2024", "31/03/2025", "LA1", "Service user", "Service", "03/04/2024", "12/01/2025",
             ""]]  # fmt: skip
    [result] = ingest_paths([write_csv(tmp_path / "cld_uk_dates.csv", DATE_HEADER, rows)], settings)
    assert result.status == "loaded" and "month first" not in result.message
    assert store_rows(settings, "select event_start_date::varchar, event_end_date::varchar from raw_cld") == [
        ("2024-04-03", "2025-01-12")
    ]


def test_a_file_whose_dates_contradict_each_other_is_rejected_with_the_evidence(settings, tmp_path):
    # Row 2's end date 31/03/2025 is only day first; row 3's event date 04/30/2024 only month first.
    rows = [
        ["E10000003", "01/04/2024", "31/03/2025", "LA1", "Service user", "Request", "2024-05-01", "", ""],
        ["E10000003", "2024-04-01", "2025-03-31", "LA2", "Service user", "Request", "04/30/2024", "", ""],
    ]  # fmt: skip
    [result] = ingest_paths([write_csv(tmp_path / "cld_mixed_dates.csv", DATE_HEADER, rows)], settings)
    assert result.status == "rejected"
    assert result.message == (
        "cld_mixed_dates.csv: the dates contradict each other, so none can be read with certainty: "
        "04/30/2024 (event_start_date, row 3) can only be month first (as in the US), but "
        "31/03/2025 (reporting_period_end_date, row 2) only day first (as in the UK); so 01/04/2024 "
        "(reporting_period_start_date, row 2) could be either. Send the dates in one order throughout, best as "
        "2023-04-30"
    )
    assert store_rows(settings, "select count(*) from raw_cld") == [(0,)]


def test_the_ingest_memory_limit_is_a_setting(tmp_path):
    from pipelines.ingest import _connect

    config = write_test_config(tmp_path)
    config.write_text(config.read_text().replace("[limits]\n", "[limits]\ningest_memory_mb = 640\n", 1))
    con = _connect(load_settings(config), dry_run=False)
    try:
        # DuckDB counts MB as 1000 x 1000 bytes and shows MiB: 640 MB = 610.3 MiB (the default 1000 MB: 953.6 MiB)
        assert con.sql("select current_setting('memory_limit')").fetchall()[0][0] == "610.3 MiB"
    finally:
        con.close()
