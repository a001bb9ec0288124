"""Write the small inbox files the ingest tests read, as councils, providers and publishers send them.

Run ``.venv/bin/python tests/data/make_fixtures.py`` to rewrite them; the output is deterministic. All
values are made up for tests (see README.md here), in the published layouts described in
``data/public/README.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import xlsxwriter

HERE = Path(__file__).parent
FIXED = dt.datetime(2024, 1, 1)

ASCOF_HEADER = [
    "Geographical Code",
    "Geographical Description",
    "Geographical Level",
    "ONS Area Code",
    "ASCOF Measure Code",
    "Disaggregation Level",
    "Measure Type",
    "Measure Value",
    "Measure Group",
    "Measure Group Description",
]
AREAS = [("623", "Cambridgeshire", "Council", "E10000003"), ("", "Eastern", "Region", "E12000006")]


def ascof_rows(measures: dict[str, tuple[float | str, float | str]]) -> list[list]:
    """Rows for the two areas: an Outcome total per measure, plus the breakdowns and counts real files carry."""
    rows = []
    for (code, name, level, ons), column in zip(AREAS, (0, 1), strict=True):
        for group, values in measures.items():
            value = values[column]
            rows.append([code, name, level, ons, group, "Total", "Outcome", value, group, f"Measure {group}"])
            rows.append([code, name, level, ons, f"{group}1864", "Age 18-64", "Outcome", "[c]", group, ""])
            rows.append([code, name, level, ons, group, "Total", "Numerator", "1200", group, ""])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> None:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def write_xlsx(path: Path, sheets: dict[str, list[list]], formats: dict | None = None) -> None:
    book = xlsxwriter.Workbook(path)
    book.set_properties({"created": FIXED})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                else:
                    sheet.write(r, c, value)
    book.close()


def main() -> None:
    # NHS Digital's 2023-24 annual file: renumbered codes (3D2A, 1D, 3A now "control"), year in the name.
    write_csv(
        HERE / "meas-from-asc-of-eng-2324-open-data-csv.csv",
        ASCOF_HEADER,
        ascof_rows({"3D2A": (21.4, 25.0), "1D": (61.5, 63.0), "3A": (77.1, 76.0), "3D2B": ("[x]", 70.1)}),
    )
    # The 2021-22 file ("2022" in the name means the year to March 2022), with the column-name variants.
    variant = [h.replace("ONS Area Code", "ONS Code").replace("Measure Value", "Measure_Value") for h in ASCOF_HEADER]
    write_csv(
        HERE / "meas-from-asc-of-eng-2022-csv-v3.csv",
        variant + ["Council type"],
        [row + ["County"] for row in ascof_rows({"1C2A": (99.0, 98.0)})],
    )
    # A compiled file with a Year column, as an .xlsx with a title row above the header.
    compiled = [["ASCOF measures, compiled"], [], ["Year", *ASCOF_HEADER]]
    compiled += [["2020-21", *row] for row in ascof_rows({"1C2A": (20.5, 24.0)})]
    write_xlsx(HERE / "ascof_compiled_2020-21.xlsx", {"Notes": [["About this file"]], "Data": compiled})

    # ONS SNPP Z1: one column per projection year; persons, males and females; districts and a county.
    years = [str(y) for y in range(2022, 2027)]
    z1 = []
    for code, name in (("E07000008", "Cambridge"), ("E10000003", "Cambridgeshire")):
        for sex in ("persons", "males", "females"):
            for age in ("0", "1", "89", "90 and over", "All ages"):
                scale = {"persons": 2.0, "males": 1.0, "females": 1.0}[sex] * (100 if age == "All ages" else 1)
                z1.append([code, name, "Population", sex, age] + [f"{scale * (10 + i):.3f}" for i in range(5)])
    write_csv(
        HERE / "2022 SNPP Population persons.csv",
        ["AREA_CODE", "AREA_NAME", "COMPONENT", "SEX", "AGE_GROUP", *years],
        z1,
    )

    # A provider's quarterly return as Excel: a cover sheet, then title rows above the header.
    kpi = [
        ["Home care KPI return"],
        ["Provider: Example Care Ltd"],
        [],
        ["Contract ID", "Provider", "Period", "KPI Code", "Numerator", "Denominator", "Value", "Comment"],
        ["HC-01", "Example Care Ltd", "Q1 2024/25", "hc_missed", 30, 2000, 1.5, "Staff sickness"],
        ["HC-01", "Example Care Ltd", "2024-25 Q1", "hc_hours", 9750, 10000, 97.5, None],
        [None, None, None, None, None, None, None, None],
        ["HC-01", "Example Care Ltd", "2024/25 Q1", "hc_late", 5, 2000, 0.25, '=HYPERLINK("x")'],
    ]
    write_xlsx(
        HERE / "kpi_return_hc01_2024-25_q1.xlsx", {"Cover": [["Please fill in the Return sheet"]], "Return": kpi}
    )

    # A PA register exported by Excel on Windows: Windows-1252 (a curly apostrophe), semicolons, dd/mm/yyyy.
    write_csv(
        HERE / "pa_register_windows1252.csv",
        ["PA ID;Locality Code;Registered Date;Left Date;On Payroll;DBS Checked;Qualifications"],
        [
            ["PA-001;E07000008;01/04/2023;;Yes;Yes;Care Certificate, O’Neill moving and handling"],
            ["PA-002;E07000010;15/06/2023;31/01/2024;No;No;"],
        ],
        encoding="cp1252",
    )
    # Survey responses saved as "CSV UTF-8" by Excel: a byte-order mark, and the period spelt three ways.
    write_csv(
        HERE / "survey_responses_utf8_bom.csv",
        ["\ufeffsurvey", "response_id", "period", "locality_code", "respondent_group", "question_code", "answer"],
        [
            ["dpss_customer", "R1", "2023/24 Q2", "E07000008", "dp_recipient", "overall_rating", "very_good"],
            ["dpss_customer", "R2", "2023-24 Q2", "E07000009", "dp_recipient", "overall_rating", "good"],
            ["dpss_customer", "R3", "Q2 2023/24", "", "carer", "overall_rating", "very_good"],
        ],
    )
    # Referrals as Parquet with real column types (dates, floats), as a data team would export them.
    pl.DataFrame(
        {
            "referral_id": ["RF1", "RF2"],
            "person_id": ["P100", "P101"],
            "received_date": [dt.date(2024, 1, 5), dt.date(2024, 2, 9)],
            "locality_code": ["E07000011", "E07000012"],
            "service_requested": ["home_care", "direct_payment"],
            "hours_requested": [10.5, None],
            "status": ["waiting", "started"],
            "start_date": [None, dt.date(2024, 3, 1)],
        }
    ).write_parquet(HERE / "referrals.parquet")


if __name__ == "__main__":
    main()
