"""The quarter's KPI review for one contract as a PDF: scorecard, SPC charts, notes (WeasyPrint).

Charts are Plotly figures turned into PNG by kaleido, which drives Debian's Chromium; the kaleido
server is started once per process and its calls are serialised, since several dashboard sessions may
export at the same time. The PDF avoids emoji (the server has no emoji font): signals are words with a
plain symbol, RAG a word beside a coloured dot.
"""

from __future__ import annotations

import base64
from html import escape

import weasyprint

from dashboard.charts.images import figure_png
from dashboard.charts.kpi import hide_small_counts, kpi_spc_figure, sparkline_svg
from dashboard.exports.review_table import STATUS_WORDS, KpiReview, change_text, checks_text, kpi_value, target_text
from dashboard.review_notes import local_time
from dashboard.signals import assurance_label, variation_label
from models.scorecard import kpi_history

RAG_DOTS = {"green": ("#1a9850", "Green"), "amber": ("#E69F00", "Amber"), "red": ("#D55E00", "Red")}
VARIATION_SYMBOLS = {"improvement": "▲", "concern": "◆", "neutral": "■", "common_cause": "∼"}
ASSURANCE_SYMBOLS = {"pass": "✓", "fail": "✗", "hit_and_miss": "?"}

CSS = """
@page { size: A4 landscape; margin: 14mm 12mm 16mm 12mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555;
                        font-family: "DejaVu Sans", sans-serif; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; } h2 { font-size: 11.5pt; margin: 5mm 0 2mm 0; }
.meta { color: #333; margin: 0 0 1mm 0; }
.synthetic { border: 1.5pt solid #D55E00; padding: 2mm; margin: 2mm 0; font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
th { background: #DDEBF7; text-align: left; vertical-align: bottom; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 1.2mm 1.4mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.rag { white-space: nowrap; }
col.kpi { width: 21%; } col.target { width: 12%; }
.dot { display: inline-block; width: 2.6mm; height: 2.6mm; border-radius: 50%; margin-right: 1mm;
       border: 0.4pt solid #333; }
.charts { orphans: 1; widows: 1; }
.charts img { width: 49%; margin-bottom: 2mm; }
.small { font-size: 7.5pt; color: #444; }
"""


def _rag_cell(rating: str | None, status: str) -> str:
    if status != "reported":
        return "No value to rate"
    if rating is None:
        return "No target"
    colour, word = RAG_DOTS[rating]
    return f'<span class="dot" style="background:{colour}"></span>{word}'


def _scorecard_table(review: KpiReview) -> str:
    head = (
        "<tr><th>KPI</th><th>Value</th><th>Target</th><th>RAG</th><th>Change on last quarter</th>"
        "<th>Change on same quarter last year</th><th>Variation (SPC)</th><th>Assurance (SPC)</th>"
        "<th>Last 8 quarters</th></tr>"
    )
    rows = []
    for r in review.card.iter_rows(named=True):
        unit, hib, status = r["unit"], r["higher_is_better"], r.get("value_status") or "reported"
        value = STATUS_WORDS.get(status) or kpi_value(r["value"], unit, review.threshold)
        small = unit == "count" and any(
            v is not None and 0 < v < review.threshold
            for v in (r["value"], r["previous_quarter_value"], r["last_year_value"])
        )
        changes = [
            "suppressed" if small else change_text(c, unit, hib) for c in (r["change_on_quarter"], r["change_on_year"])
        ]
        variation = variation_label(r["variation"], r["side"]).text
        assurance = assurance_label(r["assurance"]).text
        checks = checks_text(r, review.threshold)
        rows.append(
            f"<tr><td>{escape(r['kpi_name'])}{f'<div class=small>{escape(checks)}</div>' if checks else ''}</td>"
            f'<td class="num">{escape(value)}</td><td>{escape(target_text(r["target"], unit, hib))}</td>'
            f'<td class="rag">{_rag_cell(r["rag"], status)}</td>'
            f'<td class="num">{escape(changes[0])}</td><td class="num">{escape(changes[1])}</td>'
            f"<td>{VARIATION_SYMBOLS.get(r['variation'], '–')} {escape(variation)}</td>"
            f"<td>{ASSURANCE_SYMBOLS.get(r['assurance'], '–')} {escape(assurance)}</td>"
            f"<td>{sparkline_svg(hide_small_counts(r['sparkline'], unit, review.threshold))}</td></tr>"
        )
    cols = '<colgroup><col class="kpi"><col><col class="target"><col><col><col><col><col><col></colgroup>'
    return f"<table>{cols}{head}{''.join(rows)}</table>"


def _notes_table(notes, names: dict[str, str], empty: str) -> str:
    if notes.is_empty():
        return f"<p>{escape(empty)}</p>"
    rows = "".join(
        f"<tr><td>{escape(names.get(n['kpi_code'], n['kpi_code']))}</td><td>{escape(n['commentary'])}</td>"
        f"<td>{escape(n['agreed_actions'])}</td><td>{escape(n['author'])}<br>"
        f"<span class=small>{escape(local_time(n['created_at']))}</span></td></tr>"
        for n in notes.iter_rows(named=True)
    )
    return f"<table><tr><th>KPI</th><th>Commentary</th><th>Agreed actions</th><th>Author</th></tr>{rows}</table>"


def _charts(review: KpiReview) -> str:
    images = []
    for code in review.card["kpi_code"].to_list():
        fig = kpi_spc_figure(kpi_history(review.series, code, review.period), review.threshold, height=380)
        fig.update_layout(title={"font": {"size": 14}}, legend={"font": {"size": 10}})
        png = base64.b64encode(figure_png(fig)).decode()
        images.append(f'<img src="data:image/png;base64,{png}" alt="SPC chart">')
    return f'<div class="charts">{"".join(images)}</div>'


def review_html(review: KpiReview, charts: bool = True) -> str:
    """The review as a self-contained HTML document (charts embedded as PNG data)."""
    synthetic = (
        '<div class="synthetic">Synthetic demo data: the figures are made up and must not be used for decisions.</div>'
        if review.synthetic
        else ""
    )
    last = review.last_time_period
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(review.title)}</title>
<style>{CSS}</style></head><body>
<h1>{escape(review.title)}</h1>
<p class="meta">{escape(review.council_name)} · {escape(review.contract_type.replace("_", " "))} contract ·
generated {review.generated_at:%d %B %Y %H:%M} UTC</p>
<p class="meta">Return: {escape(review.status_text())}</p>
<p class="meta">{escape(review.summary_text())}</p>{synthetic}
<h2>Scorecard, {escape(review.period)}</h2>{_scorecard_table(review)}
<p class="small">RAG compares the value with the target in force this quarter (green: met; amber: within the
agreed tolerance; red: further off). SPC: ▲ improvement, ◆ concern, ∼ common cause (no significant change);
assurance ✓ consistently meets the target, ✗ consistently misses it, ? hits and misses. Counts below
{review.threshold} are shown as &lt;{review.threshold}.</p>
<h2>Actions agreed last time{f" ({escape(last)})" if last else ""}</h2>
{_notes_table(review.last_time, review.kpi_names, "No actions were agreed at an earlier review.")}
<h2>Review notes, {escape(review.period)}</h2>
{_notes_table(review.notes, review.kpi_names, "No notes were written for this quarter.")}
<h2>SPC charts: every quarter to {escape(review.period)}</h2>
{_charts(review) if charts else ""}
</body></html>"""


def review_pdf(review: KpiReview) -> bytes:
    """The review as PDF bytes: scorecard and notes, then one SPC chart per KPI."""
    return weasyprint.HTML(string=review_html(review)).write_pdf()
