"""The quarter's review as Excel and PDF: opened and read back, values as worked out here by hand.

The review is built from a hand-made series of three KPIs over eight quarters: visits missed (a
percentage, lower is better), new ISFs (a count that falls below the suppression threshold) and care
hours (left out of the last return). A provider comment and a review note try formula injection.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import polars as pl
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from dashboard.charts.kpi import kpi_spc_figure, sparkline_svg
from dashboard.exports.kpi_review_excel import review_workbook
from dashboard.exports.kpi_review_pdf import review_html, review_pdf
from dashboard.exports.review_table import KpiReview, change_text, kpi_value, scorecard_view, target_text
from dashboard.exports.safe_cells import neutralise, neutralise_frame
from models.periods import Quarter, quarters_between
from models.scorecard import kpi_history, scorecard

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


@pytest.fixture(scope="module")
def review() -> KpiReview:
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
    series = pl.DataFrame(rows)
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
    return KpiReview(
        council_name="Cambridgeshire County Council",
        contract_id="HC-02",
        provider="Ouse Meadows Care (demo)",
        contract_type="home_care",
        period="2024/25 Q4",
        status={"timeliness": "late", "days_late": 12, "resubmitted": False},
        card=scorecard(series, "2024/25 Q4"),
        series=series,
        notes=pl.DataFrame([note]),
        last_time_period="2024/25 Q3",
        last_time=pl.DataFrame([last]),
        threshold=5,
        synthetic=True,
        kpi_names={"hc_missed": "Visits missed", "isf_new": "New ISFs set up", "hc_hours": "Care hours delivered"},
        generated_at=datetime(2025, 5, 7, 9, 0, tzinfo=UTC),
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
    assert kpi_value(3.0, "percent") == "3.0%"
    assert (
        kpi_value(4, "count", 5) == "<5" and kpi_value(0, "count", 5) == "0" and kpi_value(1234, "count", 5) == "1,234"
    )
    assert kpi_value(28.25, "days") == "28.2 days" and kpi_value(1737, "hours") == "1,737 hours"
    assert kpi_value(154072, "gbp") == "£154,072" and kpi_value(None, "percent") == "–"
    assert target_text(1.0, "percent", False) == "1.0% (lower is better)"
    assert target_text(None, "count", True) == "No target"
    assert change_text(2.0, "percent", False) == "+2.0 points, worse"
    assert change_text(-1.0, "percent", True) == "−1.0 point, worse"
    assert change_text(-8, "count", False) == "−8, better"
    assert change_text(0.0, "days", False) == "±0.0 days"
    assert change_text(-0.04, "percent", False) == "±0.0 points"  # too small to show: neither better nor worse
    assert change_text(0.4, "count", True) == "±0"


def test_scorecard_view_on_screen(review):
    view = {r["kpi_code"]: r for r in scorecard_view(review.card, 5).iter_rows(named=True)}
    missed = view["hc_missed"]
    # 60 of 2,000 = 3.0%, 2.0 points over the 1.0% maximum (beyond the 0.5 tolerance): red, and worse than
    # the 1.0% (20 of 2,000) of the quarter before and the 0.8% (16 of 2,000) a year before.
    assert (missed["Value"], missed["Target"], missed["RAG"]) == ("3.0%", "1.0% (lower is better)", "● Red: off target")
    assert missed["On last quarter"] == "+2.0 points, worse"
    assert missed["On same quarter last year"] == "+2.2 points, worse"
    assert missed["Variation (SPC)"] == "⚠ Concern (unusually high)"
    isfs = view["isf_new"]
    # 4 new ISFs is below the threshold of 5: shown as <5 and so are the changes that would reveal it.
    assert (isfs["Value"], isfs["RAG"], isfs["On last quarter"]) == ("<5", "● Green: on target", "suppressed")
    assert isfs["Last 8 quarters"] == [6.0, 7.0, 5.0, 8.0, 6.0, 7.0, 9.0]  # the hidden 4 is left out of the line
    assert (view["hc_hours"]["Value"], view["hc_hours"]["RAG"]) == ("Not in the return", "No value to rate")


def test_excel_workbook_holds_scorecard_data_and_notes_safely(review):
    book = openpyxl.load_workbook(io.BytesIO(review_workbook(review)))
    assert book.sheetnames == ["Scorecard", "Data", "Notes", "About"]
    sheet = book["Scorecard"]
    assert sheet["A1"].value == "HC-02 Ouse Meadows Care (demo): KPI review 2024/25 Q4"
    assert sheet["A3"].value == "Return: Received late, 12 days after the due date"
    assert sheet["A4"].value.startswith("Synthetic demo data")
    header = [c.value for c in sheet[6]]
    assert header[:6] == ["KPI", "Value", "Target", "Direction", "RAG", "Change on last quarter"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=7)}
    missed = rows["Visits missed"]
    assert missed[1].value == pytest.approx(3.0) and missed[1].number_format == '0.0"%"'
    assert (missed[2].value, missed[3].value, missed[4].value) == (1.0, "lower is better", "Red: off target")
    assert missed[4].fill.fgColor.rgb.endswith("FFC7CE")  # colour as well as the word
    assert missed[5].value == pytest.approx(2.0) and missed[6].value == pytest.approx(2.2)
    assert missed[7].value == "Concern (unusually high)"
    # The provider's comment is text, never a formula.
    assert missed[10].value == "'" + INJECTION and missed[10].data_type == "s"
    assert (rows["New ISFs set up"][1].value, rows["New ISFs set up"][5].value) == ("<5", "suppressed")
    assert rows["Care hours delivered"][1].value == "Not in the return"

    data = book["Data"]
    records = [dict(zip([c.value for c in data[1]], [c.value for c in row], strict=True)) for row in data.iter_rows(2)]
    assert len(records) == 24  # three KPIs x eight quarters
    last_missed = next(r for r in records if r["KPI code"] == "hc_missed" and r["Quarter"] == "2024/25 Q4")
    assert (last_missed["Numerator"], last_missed["Denominator"], last_missed["Value used"]) == (60, 2000, 3.0)
    last_isf = next(r for r in records if r["KPI code"] == "isf_new" and r["Quarter"] == "2024/25 Q4")
    assert last_isf["Value used"] == "<5"
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
        "1.0% (lower is better)",
        "+2.0 points, worse",
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


def test_spc_figure_marks_quarters_without_a_return_and_labels_quarters_flat(review):
    series = review.series.with_columns(
        pl.when(pl.col("period") == "2024/25 Q2")
        .then(pl.lit("missing return"))
        .otherwise(pl.col("value_status"))
        .alias("value_status"),
        pl.when(pl.col("period") == "2024/25 Q2").then(None).otherwise(pl.col("value")).alias("value"),
    )
    fig = kpi_spc_figure(kpi_history(series, "hc_missed", "2024/25 Q4"), threshold=5)
    assert [a.text for a in fig.layout.annotations if a.text == "No return"] == ["No return"]
    assert list(fig.layout.xaxis.tickvals) == ["2023/24 Q1", "2024/25 Q4"]  # 2024/25 Q1 would crowd Q4
    target = next(t for t in fig.data if t.name == "Target in force (lower is better)")
    assert list(target.y) == [1.0] * 8 and target.line.shape == "hv"
