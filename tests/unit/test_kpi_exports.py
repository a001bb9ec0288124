"""The quarter's review as the presenter words it, and as Excel and PDF: opened and read back, values as
worked out here by hand.

The review is built from a hand-made series of three KPIs over eight quarters: visits missed (a
percentage, lower is better), new ISFs (a count that falls below the suppression threshold) and care
hours (left out of the last return). A provider comment and a review note try formula injection.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import polars as pl
import pypdfium2 as pdfium
import pytest
import weasyprint
from pypdf import PdfReader

from dashboard import review_actions
from dashboard.charts.kpi import sparkline_svg
from dashboard.exports.kpi_review_excel import as_number, review_workbook
from dashboard.exports.kpi_review_pdf import review_html, review_pdf
from dashboard.exports.safe_cells import neutralise, neutralise_frame
from dashboard.present.disclosure import Disclosure
from dashboard.present.provider_kpis import (
    KpiReview,
    build_kpi_review,
    build_review,
    change_text,
    checks_text,
    compare_providers,
    data_table,
    kpi_detail,
    kpi_value,
    scorecard_view,
    target_text,
)
from models.periods import Quarter, quarters_between

PERIODS = [q.label for q in quarters_between(Quarter(2023, 1), Quarter(2024, 4))]
KEYS = [q.start_year * 4 + q.number for q in quarters_between(Quarter(2023, 1), Quarter(2024, 4))]
INJECTION = '=HYPERLINK("http://example.invalid","Click")'
MISSED = [(20, 2000), (22, 2000), (18, 2000), (16, 2000), (19, 2000), (24, 2000), (20, 2000), (60, 2000)]
NEW_ISFS = [6, 7, 5, 8, 6, 7, 9, 4]
HOURS = [96.0, 97.0, 95.5, 96.5, 97.0, 96.0, 95.0, None]


def _row(code, name, unit, hib, calc, target, amber, i, value, num=None, den=None, status="reported", comment=None):
    return {
        "contract_id": "HC-02",
        "kpi_code": code,
        "kpi_name": name,
        "unit": unit,
        "higher_is_better": hib,
        "calculation": calc,
        "catalogue_order": {"hc_missed": 1, "isf_new": 2, "hc_hours": 3}[code],
        "period": PERIODS[i],
        "sort_key": KEYS[i],
        "target": target,
        "amber_tolerance": amber,
        "target_from": None,
        "numerator": num,
        "denominator": den,
        "reported_value": value,
        "value": value,
        "value_status": status,
        "value_differs_from_calculation": False,
        "comment": comment,
        "submissions": 1 if status == "reported" else 0,
        "previous_submission_value": None,
    }


def _series() -> pl.DataFrame:
    rows = []
    for i in range(8):
        n, d = MISSED[i]
        comment = INJECTION if i == 7 else None
        rows.append(
            _row(
                "hc_missed",
                "Visits missed",
                "percent",
                False,
                "proportion",
                1.0,
                0.5,
                i,
                100 * n / d,
                n,
                d,
                comment=comment,
            )
        )
        rows.append(_row("isf_new", "New ISFs set up", "count", True, "reported", 3.0, 1.0, i, float(NEW_ISFS[i])))
        status = "reported" if HOURS[i] is not None else "not reported"
        rows.append(
            _row("hc_hours", "Care hours delivered", "percent", True, "ratio", 95.0, 3.0, i, HOURS[i], status=status)
        )
    return pl.DataFrame(rows)


def _review(series: pl.DataFrame, period: str = "2024/25 Q4"):
    return build_review(
        "HC-02",
        "Ouse Meadows Care (demo)",
        "home_care",
        period,
        {"timeliness": "late", "days_late": 12, "resubmitted": False},
        series,
        threshold=5,
    )


ACTION = {
    "action_id": 1,
    "contract_id": "HC-02",
    "kpi_code": "hc_missed",
    "raised_period": "2024/25 Q3",
    "action": "Weekly calls",
    "owner": "Priya Shah",
    "due_date": "2025-03-31",
    "done_on": None,
    "done_period": None,
    "source_note_id": 2,
    "created_by": "Sam Lee",
    "created_at": "2025-02-06T13:05:00+00:00",
    "updated_by": "",
    "updated_at": "",
}
ACTION_SCHEMA = review_actions.SCHEMA


@pytest.fixture(scope="module")
def review() -> KpiReview:
    note = {
        "note_id": 1,
        "contract_id": "HC-02",
        "period": "2024/25 Q4",
        "kpi_code": "hc_missed",
        "commentary": "-3 visits were weather",
        "agreed_actions": "+ recovery plan",
        "author": "@sam",
        "created_at": "2025-05-06T13:05:00+00:00",
    }
    last = {
        **note,
        "note_id": 2,
        "period": "2024/25 Q3",
        "commentary": "",
        "agreed_actions": "Weekly calls",
        "author": "Sam Lee",
    }
    return build_kpi_review(
        _review(_series()),
        "Cambridgeshire County Council",
        pl.DataFrame([note]),
        "2024/25 Q3",
        pl.DataFrame([last]),
        synthetic=True,
        generated_at=datetime(2025, 5, 7, 9, 0, tzinfo=UTC),
        actions=pl.DataFrame(
            [
                ACTION,
                {
                    **ACTION,
                    "action_id": 2,
                    "action": "+ recovery plan",
                    "raised_period": "2024/25 Q4",
                    "due_date": "2025-06-30",
                    "source_note_id": 1,
                },
            ],
            schema=ACTION_SCHEMA,
        ),
        today=date(2025, 5, 7),
    )


@pytest.mark.parametrize("text", ["=1+1", "+44 1223", "-3 visits", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Visits missed", "3 visits", "", 3.5, -2, None])
def test_other_values_pass_unchanged(value):
    assert neutralise(value) == value


def test_neutralise_frame_touches_only_dangerous_text():
    frame = pl.DataFrame({"a": ["=1", "ok", None], "n": [-1, 2, 3]})
    assert neutralise_frame(frame).to_dict(as_series=False) == {"a": ["'=1", "ok", None], "n": [-1, 2, 3]}


def test_values_targets_and_changes_read_as_people_write_them():
    five = Disclosure(5)
    assert kpi_value(3.0, "percent", five) == "3.0%"
    assert kpi_value(4, "count", five) == "<5" and kpi_value(0, "count", five) == "0"
    assert kpi_value(1234, "count", five) == "1,234"
    assert kpi_value(28.25, "days", five) == "28.2 days" and kpi_value(1737, "hours", five) == "1,737 hours"
    assert kpi_value(154072, "gbp", five) == "£154,072" and kpi_value(None, "percent", five) == "–"
    # A target always comes with its direction and its amber tolerance, in the KPI's unit.
    assert target_text(1.0, "percent", False, 0.5) == "1.0% (lower is better; amber within 0.5 points)"
    assert target_text(95, "percent", True, 1) == "95.0% (higher is better; amber within 1.0 point)"
    assert target_text(9.5, "count", True, 2) == "9.5 (higher is better; amber within 2)"
    assert target_text(3, "days", False, 1) == "3.0 days (lower is better; amber within 1.0 days)"
    assert target_text(98, "percent", True, None) == "98.0% (higher is better; no amber tolerance)"
    assert target_text(None, "count", True, None) == "No target (higher is better)"
    # Changes in words: a leading '+' would read as a formula in a spreadsheet.
    assert change_text(2.0, "percent", False) == "Up 2.0 points, worse"
    assert change_text(-1.0, "percent", True) == "Down 1.0 point, worse"
    assert change_text(-8, "count", False) == "Down 8, better"
    assert change_text(1.5, "days", None) == "Up 1.5 days" and change_text(1, "hours", False) == "Up 1 hour, worse"
    assert change_text(-1250, "gbp", True) == "Down £1,250, worse"
    assert change_text(0.0, "days", False) == "No change"
    assert change_text(-0.04, "percent", False) == "About the same"  # too small to show: neither better nor worse
    assert change_text(0.4, "count", True) == "About the same"


def test_checks_never_show_a_small_numerator():
    row = {
        "unit": "percent",
        "value_differs_from_calculation": True,
        "reported_value": 10.0,
        "numerator": 3.0,
        "denominator": 40.0,
        "submissions": 2,
        "previous_submission_value": 12.5,
    }
    # Neither the provider's 10.0% nor the 7.5% worked out from 3 of 40 is shown: each would give the 3 away.
    assert checks_text(row, Disclosure(5)) == (
        "Provider's own figure differs from the one worked out from <5 of 40; Resubmitted"
    )
    row |= {"numerator": 60.0, "denominator": 2000.0, "reported_value": 4.0}
    expected = "Provider reported 4.0%; worked out from 60 of 2,000; Resubmitted (was 12.5%)"
    assert checks_text(row, Disclosure(5)) == expected


def test_scorecard_rows_as_every_surface_shows_them(review):
    table = review.scorecard.table
    view = {row[0]: dict(zip(table.columns, map(str, row), strict=True)) for row in table.rows}
    missed = view["Visits missed"]
    # 60 of 2,000 = 3.0%, 2.0 points over the 1.0% maximum (beyond the 0.5 tolerance): red, and worse than
    # the 1.0% (20 of 2,000) of the quarter before and the 0.8% (16 of 2,000) a year before.
    assert (missed["Value"], missed["Target"], missed["RAG"]) == (
        "3.0%",
        "1.0% (lower is better; amber within 0.5 points)",
        "Red: off target",
    )
    assert missed["Change on last quarter"] == "Up 2.0 points, worse"
    assert missed["Change on same quarter last year"] == "Up 2.2 points, worse"
    assert missed["Variation (SPC)"] == "⚠ Concern (unusually high)"
    assert missed["Provider's comment"] == INJECTION  # neutralised where it is written to a file, not here
    isfs = view["New ISFs set up"]
    # 4 new ISFs is below the threshold of 5: shown as <5, and the changes that would reveal it hidden.
    assert (isfs["Value"], isfs["RAG"], isfs["Change on last quarter"]) == ("<5", "Green: on target", "–")
    assert isfs["Change on same quarter last year"] == "–"
    assert isfs["Target"] == "3 (higher is better; amber within 1)"
    sparkline = review.scorecard.sparklines[review.scorecard.codes.index("isf_new")]
    assert sparkline == [6.0, 7.0, 5.0, 8.0, 6.0, 7.0, 9.0, None]  # the hidden 4 is not drawn
    hours = view["Care hours delivered"]
    assert (hours["Value"], hours["RAG"]) == ("Not in the return", "No value to rate")
    assert [m.value for m in review.scorecard.metrics] == ["1 of 2", "0", "1", "1"]
    assert review.scorecard.summary.startswith("KPIs on target: 1 of 2 with a target; amber 0; red 1")


def test_kpi_chart_and_its_table_hide_a_small_count(review):
    detail = kpi_detail(review.review, "isf_new")
    assert detail.summary.text.startswith("<5 in 2024/25 Q4 · target 3 (higher is better; amber within 1)")
    values = next(t for t in detail.chart.figure.data if t.name == "Value")
    assert list(values.y) == [6, 7, 5, 8, 6, 7, 9, None]  # blanked before drawing: no hover can show it
    assert all(4 not in (t.y or ()) for t in detail.chart.figure.data if t.name != "Upper process limit")
    latest = detail.chart.table.rows[0]  # latest first
    assert latest[:3] == ["2024/25 Q4", "<5", "3 (higher is better; amber within 1)"] and latest[-1] == "–"
    assert [a.text for a in detail.chart.figure.layout.annotations if "not shown" in a.text] == [
        "1 value not shown (small numbers)"
    ]


def test_a_proportion_of_a_few_people_is_not_shown_anywhere():
    # 3 of 4 visits missed in 2024/25 Q2: 75.0% would give the 3 and the 4 away.
    few = (pl.col("kpi_code") == "hc_missed") & (pl.col("period") == "2024/25 Q2")
    series = _series().with_columns(
        pl.when(few).then(3.0).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(few).then(4.0).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(few).then(75.0).otherwise(pl.col("value")).alias("value"),
        pl.when(few).then(75.0).otherwise(pl.col("reported_value")).alias("reported_value"),
    )
    then = scorecard_view(_review(series, "2024/25 Q2"))
    assert then.table.rows[0][:2] == ["Visits missed", "–"] and then.table.rows[0][4:6] == ["–", "–"]
    after = _review(series, "2024/25 Q3")
    row = scorecard_view(after).table.rows[0]
    assert row[1] == "1.0%" and row[4] == "–"  # the change on a hidden quarter would give it away
    latest = _review(series)
    card = scorecard_view(latest)
    assert card.sparklines[0][5] is None and 75.0 not in card.sparklines[0]
    chart = kpi_detail(latest, "hc_missed").chart
    assert all(75.0 not in (t.y or ()) for t in chart.figure.data)
    assert dict((r[0], r[1]) for r in chart.table.rows)["2024/25 Q2"] == "–"
    data = next(r for r in data_table(latest).rows if r[1] == "hc_missed" and r[0] == "2024/25 Q2")
    assert data[6:10] == ["<5", "<5", "–", "–"]


def _peers(rows):
    names = ("contract_id", "provider", "numerator", "denominator", "value", "value_status", "calculation", "unit")
    return pl.DataFrame([dict(zip(names, r, strict=True)) for r in rows])


def test_providers_with_small_counts_are_left_off_the_funnel_and_its_table(review):
    peers = _peers(
        [
            ("HC-01", "Granta Care", 20.0, 2000.0, 1.0, "reported", "proportion", "percent"),
            ("HC-02", "Ouse Meadows Care (demo)", 60.0, 2000.0, 3.0, "reported", "proportion", "percent"),
            ("HC-03", "Fen Care", 3.0, 400.0, 0.75, "reported", "proportion", "percent"),
            ("HC-04", "Isle Care", 18.0, 1500.0, 1.2, "reported", "proportion", "percent"),
        ]
    )
    compared = compare_providers(review.review, "hc_missed", peers)
    assert compared.funnel
    chart = next(b for b in compared.blocks if b.kind == "chart")
    assert [row[0] for row in chart.table.rows] == ["HC-01", "HC-02", "HC-04"]
    assert chart.table.rows[1][2:5] == ["3.0%", "60", "2,000"]
    points = next(t for t in chart.figure.data if t.name == "Providers")
    assert list(points.text) == ["HC-01", "HC-02", "HC-04"] and 400 not in list(points.x)
    notes = [b.text for b in compared.blocks if b.kind == "note"]
    assert "1 provider with fewer than 5 in the numerator or denominator left off the plot to protect privacy." in notes
    # 1.0%, 3.0% and 1.2% around a pooled 1.8% (98 of 5,500): HC-02 well above, so worse (lower is better).
    outliers = next(b for b in compared.blocks if b.kind == "table")
    assert {row[0]: row[3] for row in outliers.rows}["HC-02"] == "worse than peers"


def test_a_count_kpi_is_compared_in_a_table_with_small_counts_suppressed(review):
    peers = _peers(
        [
            ("ISF-01", "Nene Fields", None, None, 4.0, "reported", "reported", "count"),
            ("ISF-02", "Cam Valley", None, None, 12.0, "reported", "reported", "count"),
        ]
    )
    compared = compare_providers(review.review, "isf_new", peers)
    table = next(b for b in compared.blocks if b.kind == "table")
    assert not compared.funnel and table.rows == [["ISF-01", "Nene Fields", "<5"], ["ISF-02", "Cam Valley", "12"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.0%", (3.0, '#,##0.0"%"')),
        ("2,000", (2000.0, "#,##0")),
        ("28.2 days", (28.2, '#,##0.0" days"')),
        ("1,737 hours", (1737.0, '#,##0" hours"')),
        ("£154,072", (154072.0, '"£"#,##0')),
        ("<5", None),
        ("–", None),
        ("Up 2.0 points, worse", None),
        ("£21.5m", None),
    ],
)
def test_excel_writes_plain_figures_as_numbers(text, expected):
    assert as_number(text) == expected


def test_excel_workbook_holds_scorecard_data_and_notes_safely(review):
    book = openpyxl.load_workbook(io.BytesIO(review_workbook(review)))
    assert book.sheetnames == ["Scorecard", "Data", "Notes", "About"]
    sheet = book["Scorecard"]
    assert sheet["A1"].value == "HC-02 Ouse Meadows Care (demo): KPI review 2024/25 Q4"
    assert sheet["A3"].value == "Return: Received late, 12 days after the due date"
    assert sheet["A4"].value.startswith("Synthetic demo data")
    header = [c.value for c in sheet[6]]
    assert header == review.scorecard.table.columns  # the page's scorecard, column for column
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=7)}
    missed = rows["Visits missed"]
    assert missed[1].value == pytest.approx(3.0) and missed[1].number_format == '#,##0.0"%"'
    assert missed[2].value == "1.0% (lower is better; amber within 0.5 points)"
    assert missed[3].value == "Red: off target"
    assert missed[3].fill.fgColor.rgb.endswith("FFC7CE")  # colour as well as the word
    assert (missed[4].value, missed[5].value) == ("Up 2.0 points, worse", "Up 2.2 points, worse")
    assert missed[6].value == "⚠ Concern (unusually high)"
    # The provider's comment is text, never a formula.
    assert missed[9].value == "'" + INJECTION and missed[9].data_type == "s"
    assert (rows["New ISFs set up"][1].value, rows["New ISFs set up"][4].value) == ("<5", "–")
    assert rows["Care hours delivered"][1].value == "Not in the return"

    data = book["Data"]
    records = [dict(zip([c.value for c in data[1]], [c.value for c in row], strict=True)) for row in data.iter_rows(2)]
    assert len(records) == 24  # three KPIs x eight quarters
    assert [r["Quarter"] for r in records[:2]] == ["2024/25 Q4", "2024/25 Q3"]  # latest first
    last_missed = next(r for r in records if r["KPI code"] == "hc_missed" and r["Quarter"] == "2024/25 Q4")
    assert (last_missed["Numerator"], last_missed["Denominator"], last_missed["Value used"]) == (60, 2000, 3.0)
    assert last_missed["Target in force"] == "1.0% (lower is better; amber within 0.5 points)"
    last_isf = next(r for r in records if r["KPI code"] == "isf_new" and r["Quarter"] == "2024/25 Q4")
    assert last_isf["Value used"] == "<5" and last_isf["Provider's value"] == "<5"
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)

    notes = book["Notes"]
    assert [c.value for c in notes[3]] == [
        "2024/25 Q4",
        "Visits missed",
        "'-3 visits were weather",
        "'+ recovery plan",
        "'@sam",
        "6 May 2025 14:05",
    ]
    assert notes["A5"].value == "Actions agreed last time (2024/25 Q3)"
    assert notes["D6"].value == "Weekly calls"
    assert "SYNTHETIC DEMO DATA" in book["About"]["A2"].value


def test_html_of_the_pdf_escapes_what_people_typed(review):
    html = review_html(review, charts=False)
    assert "&lt;5" in html and "HYPERLINK" not in html  # comments are not in the PDF; notes are, escaped
    assert "-3 visits were weather" in html and "Weekly calls" in html


def test_pdf_lists_the_actions_to_follow_up_with_owner_due_date_and_status(review):
    assert review.actions.rows == [  # latest agreed first, as every history table
        ["Visits missed", "+ recovery plan", "Priya Shah", "30 Jun 2025", "Open", "2024/25 Q4 (this review)"],
        ["Visits missed", "Weekly calls", "Priya Shah", "31 Mar 2025", "Overdue (due 31 Mar 2025)", "2024/25 Q3"],
    ]
    pdf = weasyprint.HTML(string=review_html(review, charts=False)).write_pdf()
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    section = text[text.index("Actions to follow up, 2024/25 Q4") : text.index("Actions agreed last time")]
    for expected in (
        "KPI Action Owner Due Status Agreed",
        "+ recovery plan Priya Shah 30 Jun 2025 Open 2024/25 Q4",
        "Weekly calls Priya Shah 31 Mar 2025 Overdue (due 31 Mar",
    ):
        assert expected in section, section
    book = openpyxl.load_workbook(io.BytesIO(review_workbook(review)))
    cells = [[c.value for c in row] for row in book["Notes"].iter_rows()]
    heading = next(i for i, row in enumerate(cells) if row[0] == "Actions to follow up, 2024/25 Q4")
    assert cells[heading + 3][:5] == [
        "Visits missed",
        "Weekly calls",
        "Priya Shah",
        "31 Mar 2025",
        "Overdue (due 31 Mar 2025)",
    ]
    assert cells[heading + 2][1] == "'+ recovery plan"  # neutralised for Excel like every typed text


@pytest.mark.slow
def test_pdf_has_scorecard_notes_and_a_chart_per_kpi(review, tmp_path):
    pdf = review_pdf(review)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)  # table cells wrap
    for expected in (
        "HC-02 Ouse Meadows Care (demo): KPI review 2024/25 Q4",
        "Received late, 12 days after the due date",
        "Synthetic demo data",
        "Visits missed",
        "3.0%",
        "1.0% (lower is better; amber within 0.5 points)",
        "Up 2.0 points, worse",
        "Concern (unusually high)",
        "<5",
        "Not in the return",
        "Weekly calls",
        "KPIs on target: 1 of 2 with a target; amber 0; red 1",
    ):
        assert expected in text, expected
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
    charts = {image.name for page in reader.pages for image in page.images}  # pages share one resource list
    assert len(charts) == 3  # one SPC chart per KPI
    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=1).to_pil()
    document.close()
    image.save(tmp_path / "page1.png")
    assert image.size[0] == 842 and abs(image.size[1] - 595) <= 1  # A4 landscape at 72 dpi
    # Not blank: the page has dark text pixels.
    assert image.convert("L").getextrema()[0] < 60


def test_sparkline_svg_leaves_a_gap_where_a_quarter_is_missing():
    svg = sparkline_svg([1.0, 2.0, None, 3.0, 4.0])
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 1  # two runs, a dot on the latest value
    assert sparkline_svg([None, 1.0]) == ""  # one point is not a line


def test_spc_figure_marks_quarters_without_a_return_and_labels_quarters_flat():
    series = _series().with_columns(
        pl.when(pl.col("period") == "2024/25 Q2")
        .then(pl.lit("missing return"))
        .otherwise(pl.col("value_status"))
        .alias("value_status"),
        pl.when(pl.col("period") == "2024/25 Q2").then(None).otherwise(pl.col("value")).alias("value"),
    )
    fig = kpi_detail(_review(series), "hc_missed").chart.figure
    assert [a.text for a in fig.layout.annotations if a.text == "No return"] == ["No return"]
    assert list(fig.layout.xaxis.tickvals) == ["2023/24 Q1", "2024/25 Q4"]  # 2024/25 Q1 would crowd Q4
    target = next(t for t in fig.data if t.name == "Target in force (lower is better)")
    assert list(target.y) == [1.0] * 8 and target.line.shape == "hv"
