"""Short static tables ("About these measures", the year-end ASCOF values) are Markdown tables, the Glossary's are
HTML tables (blocks on a phone): the pages that show nothing else load none of the table grid's JavaScript
(benchmarks/browser_timing.py)."""

from __future__ import annotations

from dashboard.present.about import PAGE_MEASURES, glossary_table, measure_panel
from dashboard.present.blocks import Table
from dashboard.shell.components import markdown_table
from dashboard.shell.html_tables import table_html
from tests.app.surfaces import frame_table, html_tables, run_app, shown_html_tables
from tests.app.surfaces import markdown_table as markdown_table_of
from tests.app.surfaces import markdown_table as read_markdown_table


def test_a_cell_with_markup_or_a_line_break_stays_one_plain_cell():
    table = Table("t", ["Term", "Count"], [["A | B *bold*", "1,234"], ["two\nlines", ""]], numeric=[False, True])
    assert markdown_table(table).splitlines() == [
        "| Term | Count |",
        "|---|---:|",
        r"| A \| B \*bold\* | 1,234 |",
        "| two lines | \u00a0 |",
    ]
    # The pages' checks (tables for people, consistency) read it back as the cells a person sees.
    assert read_markdown_table(markdown_table(table)) == (
        ["Term", "Count"],
        [["A | B *bold*", "1,234"], ["two lines", ""]],
    )


def test_the_glossary_shows_every_term_and_every_measure_as_html_tables_and_no_grid(demo_env):
    at = run_app("glossary.py")
    (terms, rows), (columns, measures) = shown_html_tables(at)
    assert terms == ["Term", "Meaning"]
    assert rows == [[term, " ".join(meaning.split())] for term, meaning in glossary_table().rows]
    assert any(row[0] == "Direct payment (DP)" and row[1].startswith("Money the council pays") for row in rows)
    every = [key for keys in PAGE_MEASURES.values() for key in keys]
    panel = measure_panel(demo_env, every, "2024/25 Q4")
    assert (
        columns
        == panel.columns
        == ["Measure", "Definition", "Source", "Frequency", "Next update", "Direction", "Target"]
    )
    assert [row[0] for row in measures] == [row[0] for row in panel.rows]
    uptake = next(row for row in measures if row[0] == "Direct payment uptake")
    assert uptake[5] == "Higher is better" and uptake[6].startswith("25.0% by 2024/25 Q4")
    assert not at.table and not at.dataframe and not any(markdown_table_of(m.value) for m in at.markdown)


def test_an_html_table_escapes_every_cell_and_marks_numbers_and_bold_rows():
    table = Table("t", ["Term", "Count"], [["<b>A</b> & B", "1,234"], ["two\nlines", ""]], numeric=[False, True],
                  bold_rows=[1])  # fmt: skip
    html = table_html(table)
    assert "<b>A</b>" not in html and "&lt;b&gt;A&lt;/b&gt; &amp; B" in html
    assert '<td data-label="Count" class="num">1,234</td>' in html
    assert '<tr class="asc-bold"><td data-label="Term">two lines</td>' in html
    assert html_tables(html) == [(["Term", "Count"], [["<b>A</b> & B", "1,234"], ["two lines", ""]])]


def test_the_overview_shows_its_measure_panel_and_year_end_values_without_a_grid(demo_env):
    at = run_app()
    panel = next(m.value for m in at.markdown if m.value.startswith("| Measure | Definition |"))
    names = [row.split(" | ")[0].removeprefix("| ") for row in panel.splitlines()[2:]]
    assert names == [row[0] for row in measure_panel(demo_env, PAGE_MEASURES["overview"], "2024/25 Q4").rows]
    assert not at.table and not at.dataframe


def test_the_scorecard_on_a_phone_shows_the_grids_verdicts_for_every_kpi(demo_env):
    at = run_app("provider_kpis.py")
    grid = next(frame_table("grid", d.value) for d in at.dataframe if "Variation (SPC)" in d.value.columns)
    phone = next(
        read_markdown_table(m.value) for m in at.markdown if m.value.startswith("| KPI | RAG | Variation (SPC) |")
    )
    columns = ["KPI", "RAG", "Variation (SPC)", "Assurance (SPC)"]
    assert phone[0] == columns
    assert phone[1] == [[row[grid.columns.index(c)] for c in columns] for row in grid.rows]
    assert len(phone[1]) >= 5 and any(row[2].startswith("● Common cause") for row in phone[1])
