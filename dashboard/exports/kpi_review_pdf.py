"""The quarter's KPI review for one contract as a PDF: scorecard, notes, SPC charts (WeasyPrint).

It lays out the presenter's objects (``dashboard.present.provider_kpis``): the same scorecard rows, words
and suppressed figures as the page and the Excel workbook. Charts are Plotly figures turned into PNG by
kaleido, which drives Debian's Chromium; the kaleido server is started once per process and its calls
are serialised, since several dashboard sessions may export at the same time. RAG is a word beside a
coloured dot, so colour is never the only signal.
"""

from __future__ import annotations

import base64
from html import escape

import weasyprint

from dashboard.charts.images import figure_png
from dashboard.charts.kpi import sparkline_svg
from dashboard.present.blocks import RagCell, Table
from dashboard.present.provider_kpis import RAG_EXPLAINED, SCORECARD_COLUMNS, KpiReview

RAG_DOTS = {"green": "#1a9850", "amber": "#E69F00", "red": "#D55E00"}
# The scorecard's columns in the PDF: the checks go under the KPI's name, the comment stays on screen and in Excel.
PDF_COLUMNS = tuple(SCORECARD_COLUMNS[:8])  # all but the checks (under the KPI name) and the comment

CSS = """
@page { size: A4 landscape; margin: 14mm 12mm 16mm 12mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555;
                        font-family: "DejaVu Sans", sans-serif; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; } h2 { font-size: 11.5pt; margin: 5mm 0 2mm 0; }
.meta { color: #333; margin: 0 0 1mm 0; }
.synthetic { border: 1.5pt solid #D55E00; padding: 2mm; margin: 2mm 0; font-weight: bold; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th { background: #DDEBF7; text-align: left; vertical-align: bottom; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 1.2mm 1.4mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.rag { white-space: nowrap; }
col.kpi { width: 19%; } col.target { width: 15%; }
.dot { display: inline-block; width: 2.6mm; height: 2.6mm; border-radius: 50%; margin-right: 1mm;
       border: 0.4pt solid #333; }
.charts { orphans: 1; widows: 1; }
.charts img { width: 49%; margin-bottom: 2mm; }
.small { font-size: 7.5pt; color: #444; }
"""


def _cell(value) -> str:
    if isinstance(value, RagCell):
        dot = f'<span class="dot" style="background:{RAG_DOTS[value.rating]}"></span>' if value.rating else ""
        return f'<td class="rag">{dot}{escape(value.text)}</td>'
    return f"<td>{escape(str(value))}</td>"


def _scorecard_table(review: KpiReview) -> str:
    card = review.scorecard
    index = [card.table.columns.index(c) for c in PDF_COLUMNS]
    head = "".join(f"<th>{escape(c)}</th>" for c in PDF_COLUMNS) + "<th>Last 8 quarters</th>"
    rows = []
    for row, checks, spark in zip(card.table.rows, card.checks, card.sparklines, strict=True):
        cells = []
        for position, i in enumerate(index):
            if position == 0:
                small = f"<div class=small>{escape(checks)}</div>" if checks else ""
                cells.append(f"<td>{escape(str(row[i]))}{small}</td>")
            elif card.table.is_numeric(i):
                cells.append(f'<td class="num">{escape(str(row[i]))}</td>')
            else:
                cells.append(_cell(row[i]))
        rows.append(f"<tr>{''.join(cells)}<td>{sparkline_svg(spark)}</td></tr>")
    widths = [*card.table.widths[: len(PDF_COLUMNS)], "11%"]
    cols = "<colgroup>" + "".join(f'<col style="width: {w}">' for w in widths) + "</colgroup>"
    return f"<table>{cols}<tr>{head}</tr>{''.join(rows)}</table>"


def _notes_table(table: Table, empty: str) -> str:
    """Notes without the quarter (the heading says it) and with the time under the author."""
    if not table.rows:
        return f"<p>{escape(empty)}</p>"
    rows = "".join(
        f"<tr><td>{escape(kpi)}</td><td>{escape(commentary)}</td><td>{escape(actions)}</td><td>{escape(author)}<br>"
        f"<span class=small>{escape(written)}</span></td></tr>"
        for _, kpi, commentary, actions, author, written in table.rows
    )
    return f"<table><tr><th>KPI</th><th>Commentary</th><th>Agreed actions</th><th>Author</th></tr>{rows}</table>"


def _actions_table(review: KpiReview) -> str:
    """Actions to follow up: open ones carried from earlier reviews, this review's, and those done in it."""
    table = review.actions
    if table is None or not table.rows:
        return "<p>No actions are open for this contract.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in table.rows)
    return f"<table><tr>{head}</tr>{rows}</table>"


def _charts(review: KpiReview) -> str:
    images = []
    for chart in review.charts(height=380):
        chart.figure.update_layout(title={"font": {"size": 14}}, legend={"font": {"size": 10}})
        png = base64.b64encode(figure_png(chart.figure)).decode()
        images.append(f'<img src="data:image/png;base64,{png}" alt="{escape(chart.alt)}">')
    return f'<div class="charts">{"".join(images)}</div>'


def review_html(review: KpiReview, charts: bool = True) -> str:
    """The review as a self-contained HTML document (charts embedded as PNG data)."""
    synthetic = (
        '<div class="synthetic">Synthetic demo data: the figures are made up and must not be used for decisions.</div>'
        if review.synthetic
        else ""
    )
    last = review.last_time
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(review.title)}</title>
<style>{CSS}</style></head><body>
<h1>{escape(review.title)}</h1>
<p class="meta">{escape(review.about)} · generated {review.generated_at:%d %B %Y %H:%M} UTC</p>
<p class="meta">Return: {escape(review.status_text)}</p>
<p class="meta">{escape(review.scorecard.summary)}</p>{synthetic}
<h2>Scorecard, {escape(review.period)}</h2>{_scorecard_table(review)}
<p class="small">{escape(RAG_EXPLAINED)} {escape(review.disclosure_note)}</p>
<h2>{escape(review.actions.caption if review.actions else "Actions to follow up")}</h2>
{_actions_table(review)}
<h2>{escape(last.heading)}</h2>
{_notes_table(last.table, last.empty)}
<h2>{escape(review.notes.caption)}</h2>
{_notes_table(review.notes, "No notes were written for this quarter.")}
<h2>SPC charts: every quarter to {escape(review.period)}</h2>
{_charts(review) if charts else ""}
</body></html>"""


def review_pdf(review: KpiReview) -> bytes:
    """The review as PDF bytes: scorecard and notes, then one SPC chart per KPI."""
    return weasyprint.HTML(string=review_html(review)).write_pdf()
