"""A wrapped grid's rows are as tall as its longest cell needs: the grid draws on a canvas and cuts, not wraps,
a line beyond the row's height (the home care scorecard's KPI names took four lines at 800 px)."""

from dashboard.shell.components import WRAPPED_ROW_PX, rows_height, wrapped_row_height

WIDTHS = {"KPI": 135, "RAG": 90}
COLUMNS = ["KPI", "RAG", "Value"]


def test_short_cells_keep_three_lines():
    rows = [["Visits missed", "Green: on target", "3"], ["Referrals received", "No target", "74"]]
    assert wrapped_row_height(rows, COLUMNS, WIDTHS) == WRAPPED_ROW_PX == 72


def test_a_name_of_four_lines_makes_every_row_four_lines_tall():
    # 135 px holds 19 characters a line: "Hospital discharges / with care starting / within the agreed / time".
    rows = [
        ["Visits missed", "Green: on target", "3"],
        ["Hospital discharges with care starting within the agreed time", "No target", "12"],
    ]
    assert wrapped_row_height(rows, COLUMNS, WIDTHS) == 4 * 20 + 12


def test_columns_not_held_at_a_width_do_not_count():
    long = "a long comment from the provider that runs on and on for many more words than fit anywhere at all"
    rows = [["Visits missed", "Green: on target", long]]
    assert wrapped_row_height(rows, COLUMNS, WIDTHS) == 72


def test_the_grid_height_follows_the_row_height():
    assert rows_height(7, row_px=92) == 7 * 92 + 38
    assert rows_height(20, row_px=92) == 12 * 92 + 38  # more than twelve rows scroll inside the grid
