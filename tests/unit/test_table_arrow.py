"""A presenter's table sent to the screen as Arrow holds the same text, in the same order, as its frame."""

from __future__ import annotations

import polars as pl

from dashboard.present.blocks import RagCell, Table


def test_the_arrow_table_holds_the_printed_text_of_every_cell():
    table = Table("KPIs", ["KPI", "RAG", "Value"], [["Visits on time", RagCell("green"), "95.0%"], ["Missed", "", "3"]])
    arrow = table.arrow()
    assert arrow.column_names == ["KPI", "RAG", "Value"]
    assert pl.from_arrow(arrow).equals(table.frame())
    assert arrow.column("RAG").to_pylist() == [str(RagCell("green")), ""]
