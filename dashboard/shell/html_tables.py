"""Tables as HTML for tables people read rather than sort: each row a block of labelled lines when the column is
narrow (a phone), a table otherwise.

A Markdown table keeps its columns at every width, so the Glossary's seven-column list of measures scrolled
sideways at 400 px; st.dataframe loads 1.2 MB of grid JavaScript on a page's first view (0.4-0.6 s on a 2-core
laptop). An HTML table is drawn by the HTML element the router already loads for the page's styles (app.py), and
its layout is narrow.css's ``.asc-table`` rules: in a container narrower than 640 px (``blocks=True``) every row
becomes a block, its first cell as the heading and each other cell under its column's name.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from dashboard.present.blocks import Table

TABLE_CLASS = "asc-table"


def _cell(value) -> str:
    return escape(" ".join(str(value).split()))


def table_html(table: Table, blocks: bool = True) -> str:
    """The table as HTML: a caption only if ``table.caption`` should be read (a screen reader names the table by it),
    column widths from ``table.widths``, numeric columns right-aligned, bold rows bold; every cell escaped."""
    classes = TABLE_CLASS + (" asc-blocks" if blocks else "")
    columns = [_cell(c) for c in table.columns]
    widths = "".join(f'<col style="width:{escape(w)}">' for w in table.widths) if table.widths else ""
    head = "".join(f'<th scope="col"{_numeric(table, i)}>{c}</th>' for i, c in enumerate(columns))
    body = []
    for r, row in enumerate(table.rows):
        cells = "".join(
            f'<td data-label="{columns[i]}"{_numeric(table, i)}>{_cell(v) or "&nbsp;"}</td>' for i, v in enumerate(row)
        )
        bold = ' class="asc-bold"' if r in table.bold_rows else ""
        body.append(f"<tr{bold}>{cells}</tr>")
    caption = f"<caption>{_cell(table.caption)}</caption>" if table.caption else ""
    return (
        f'<div class="asc-table-box"><table class="{classes}">{caption}<colgroup>{widths}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _numeric(table: Table, index: int) -> str:
    return ' class="num"' if table.is_numeric(index) else ""


def show_html_table(table: Table, blocks: bool = True) -> None:
    """Draw ``table`` as HTML (module docstring); ``blocks`` turns its rows into blocks in a narrow container."""
    st.html(table_html(table, blocks))
