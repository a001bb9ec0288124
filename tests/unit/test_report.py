"""The committee pack's pieces without a warehouse: words and numbers, suppression, the ASCOF code table,
where files go, and the HTML document (escaping, inline images, nothing fetched from the network)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard.pack.annex import ascof_codes
from dashboard.pack.content import (
    Chart,
    Heading,
    Note,
    Pack,
    Paragraph,
    RagCell,
    Section,
    Table,
    long_date,
    period_months,
)
from dashboard.pack.render import _css_string, output_paths, render_html
from pipelines.cli import parser

PNG = bytes.fromhex("89504e470d0a1a0a") + b"not really a png, but bytes to embed" * 40


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (date(2026, 11, 22), "22 November 2026"),
        (date(2025, 3, 1), "1 March 2025"),
        # 23:30 UTC on 31 March 2025 is already 1 April in the UK (BST).
        (datetime(2025, 3, 31, 23, 30, tzinfo=UTC), "1 April 2025"),
        (datetime(2025, 1, 31, 23, 30, tzinfo=UTC), "31 January 2025"),
    ],
)
def test_long_dates_are_british(moment, expected):
    assert long_date(moment) == expected


@pytest.mark.parametrize(
    ("period", "months"),
    [
        ("2024/25 Q1", "April to June 2024"),
        ("2024/25 Q3", "October to December 2024"),
        ("2024/25 Q4", "January to March 2025"),
    ],
)
def test_period_months(period, months):
    assert period_months(period) == months


def test_rag_cells_are_words_without_streamlit_markup():
    assert RagCell("red").text == "Red: off target"
    assert RagCell("amber").text == "Amber: near target"
    assert RagCell("green").text == "Green: on target"
    assert RagCell(None).text == "No target"
    assert ":" in str(RagCell("red")) and "[" not in str(RagCell("red"))


def test_ascof_codes_follow_the_2023_24_renumbering():
    rows = {row[0]: (row[1], row[2]) for row in ascof_codes().rows}
    assert rows["Proportion of people who use services who receive direct payments"] == ("1C2A", "3D2A")
    assert rows["Proportion of carers who receive direct payments"] == ("1C2B", "3D2B")
    assert rows["Overall satisfaction of people who use services with their care and support"] == ("3A", "1D")
    # 3A was reused: control over daily life was 1B and is 3A from 2023-24.
    assert rows["Proportion of people who use services who have control over their daily life"] == ("1B", "3A")


def _pack(**changes) -> Pack:
    chart = Chart(go.Figure(), "A line chart that says what it shows, for people who cannot see it.")
    chart.image = PNG
    section = Section("themes", "A theme <with markup>", "Somewhere, 2024/25 Q4")
    section.add(
        Paragraph("Spend is £21.8m & rising <script>alert(1)</script>", emphasis=True),
        Heading("A part on its own page", new_page=True),
        chart,
        Table("A table", ["Area", "Count", "RAG"], [["Fenland", "<5", RagCell("red")]], numeric=[False, True]),
        Note("Small print."),
    )
    values = {
        "council": 'Example "County" Council',
        "committee": "Adults & Health </style> Committee",
        "period": "2024/25 Q4",
        "period_months": "January to March 2025",
        "area": "Somewhere (all)",
        "locality_code": "E10000003",
        "built_at": datetime(2026, 11, 22, 8, 46, tzinfo=UTC),
        "latest_period": "2024/25 Q4",
        "generated_at": datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        "synthetic": True,
        "threshold": 5,
        "sections": [section],
    }
    values.update(changes)
    return Pack(**values)


def test_html_is_self_contained_and_escaped():
    html = render_html(_pack())
    assert '<html lang="en-GB">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "£21.8m &amp; rising" in html
    assert "A theme &lt;with markup&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count('src="data:image/png;base64,') == 1
    assert 'alt="A line chart that says what it shows' in html
    assert 'class="dot rag-red"' in html and "Red: off target" in html
    assert "Synthetic demo data" in html
    assert 'class="new-page"' in html


def test_footer_text_cannot_break_out_of_the_style_element():
    html = render_html(_pack())
    style = html[html.index("<style>") : html.index("</style>")]
    assert "</style" not in style[7:]
    assert 'Example \\"County\\" Council' in style
    assert _css_string('a "b" \\ </style>') == 'a \\"b\\" \\\\ \\3c /style>'


def test_no_synthetic_banner_for_real_data():
    html = render_html(_pack(synthetic=False))
    assert "Synthetic demo data" not in html


def test_charts_must_be_drawn_before_rendering():
    pack = _pack()
    pack.sections[0].charts[0].image = None
    with pytest.raises(ValueError, match="draw_charts"):
        render_html(pack)


def test_output_paths(tmp_path):
    pack = _pack()
    assert pack.file_stem() == "committee-pack_2024-25-Q4_somewhere-all"
    assert output_paths(pack, tmp_path, ("pdf", "html")) == {
        "pdf": tmp_path / "committee-pack_2024-25-Q4_somewhere-all.pdf",
        "html": tmp_path / "committee-pack_2024-25-Q4_somewhere-all.html",
    }
    named = tmp_path / "pack.pdf"
    assert output_paths(pack, named, ("pdf", "html")) == {"pdf": named, "html": tmp_path / "pack.html"}
    assert output_paths(pack, None, ("pdf",))["pdf"].parent == Path.cwd()


def test_report_command_options():
    args = parser().parse_args(["report", "--period", "2024/25 Q4"])
    assert (args.period, args.locality, args.format, args.out) == ("2024/25 Q4", None, "pdf", None)
    args = parser().parse_args(["report", "--locality", "Fenland", "--format", "both", "--out", "packs"])
    assert (args.locality, args.format, args.out) == ("Fenland", "both", "packs")
    with pytest.raises(SystemExit):
        parser().parse_args(["report", "--format", "docx"])
