"""Provider KPIs: a contract manager's quarterly review of one contract. Layout only.

Choose a contract (and the quarter in the sidebar): the return's status, the actions agreed last time,
the scorecard, one KPI's SPC chart with the targets in force, review notes, a comparison with the other
providers of the same contract type, and the review as Excel or PDF. Every figure and sentence comes from
``dashboard.present.provider_kpis``. Contract and KPI are kept in the URL, so a copied link opens the
same review.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard import app_state, review_actions, review_notes
from dashboard.app_state import AppStateUnavailable
from dashboard.charts import OKABE_ITO
from dashboard.present import provider_kpis as kpis
from dashboard.present.blocks import Table
from dashboard.present.missing_sources import missing_sources
from dashboard.shell import per_build, warehouse
from dashboard.shell.access import allowed, person, refuse
from dashboard.shell.audit import audit, made_on_click
from dashboard.shell.components import (
    plain,
    rows_height,
    show,
    show_chart,
    show_metrics,
    show_missing,
    show_static_table,
    show_table,
    show_verdict_table,
    wrapped_columns,
    wrapped_row_height,
)
from dashboard.shell.filters import from_url, period
from pipelines.access import AccessRefused, refusal

wh = warehouse()
settings = wh.settings
# The verdicts straight after the KPI's name, so a narrow window (800 px, a phone) shows them without scrolling
# sideways; the figures they rest on follow. The exports keep the presenter's order.
SCORECARD_ORDER = [
    "KPI",
    "RAG",
    "Variation (SPC)",
    "Assurance (SPC)",
    "Value",
    "Target",
    "Last 8 quarters",
    "Change on last quarter",
    "Change on same quarter last year",
    "Checks",
    "Provider's comment",
]
# Variation is wide enough for "● Common cause:" on one line: its longest verdict then takes three lines, not four.
SCORECARD_WIDTHS = {"KPI": 135, "RAG": 90, "Variation (SPC)": 128, "Assurance (SPC)": 120}
# The actions' status (overdue, due, done) first, then what and whose.
ACTIONS_FIRST = ["Status", "Due", "KPI", "Action"]
ACTIONS_WIDTHS = {"Status": 110, "Due": 90, "KPI": 130, "Action": 160}
NOTICES = {"error": st.error, "warning": st.warning, "info": st.info, "plain": st.caption}


def _reviewed_quarter() -> str:
    # The sidebar filter holds the quarter; when the page runs without it (a deep link opened before the app's
    # router has run once), the link's own ?period= still decides which quarter is reviewed.
    if "period" in st.session_state:
        return period()
    periods = wh.periods()
    return from_url("period", periods, periods[-1], "the quarter", f"the latest quarter, {periods[-1]}")


quarter = _reviewed_quarter()
st.title("Provider KPIs: quarterly review")
show_missing(per_build(missing_sources, "provider_kpis"), "provider_kpis")

who = person()
every_label = kpis.contract_labels(wh)
labels = {c: label for c, label in every_label.items() if allowed(who, "read_contract", c, quiet=True)}
# A link to a contract that exists but is not this person's is refused, not swapped for one of theirs.
if "contract" not in st.session_state and st.query_params.get("contract") in set(every_label) - set(labels):
    refuse(refusal("read_contract"))
if every_label and not labels:
    refuse("No contracts have been given to your account yet. Ask the dashboard's administrator.")
if not labels:
    st.info("No provider KPI returns have been loaded yet. Load a `kpi_returns` file on the Data page.")
    st.stop()
if "contract" not in st.session_state:
    first = next(iter(labels))
    st.session_state["contract"] = from_url("contract", list(labels), first, "the contract", labels[first])


def _scorecard(card: kpis.Scorecard) -> None:
    st.header(plain(card.table.caption))
    show_metrics(card.metrics)
    # Streamlit's sparkline cannot draw a gap, so quarters without a (shown) value are left out of the line.
    sparklines = pl.Series(
        "Last 8 quarters", [[v for v in line if v is not None] for line in card.sparklines], dtype=pl.List(pl.Float64)
    )
    frame = card.table.frame().insert_column(4, sparklines)  # as typed on screen, as show_table does
    row_px = wrapped_row_height(card.table.rows, card.table.columns, SCORECARD_WIDTHS)
    fills = [f"background-color: {kpis.RAG_FILLS[r]}" if r else "" for r in card.ratings]
    styled = frame.to_pandas().style.apply(lambda _: fills, subset=["RAG"], axis=0)
    with st.container(key="scorecard-grid"):
        st.dataframe(
            styled,
            hide_index=True,
            width="stretch",
            key="scorecard_table",
            on_select=lambda: _open_selected_row(card.codes),
            selection_mode="single-row",
            column_order=SCORECARD_ORDER,
            row_height=row_px,  # names and verdicts wrap onto as many lines as the longest needs, not cut
            height=rows_height(frame.height, row_px=row_px),  # every KPI in view, no scrolling inside the table
            column_config={
                # Widths that fit the selection box and the four columns beside it in an 800 px window's 520 px.
                **wrapped_columns(SCORECARD_WIDTHS),
                "KPI": st.column_config.TextColumn(width=SCORECARD_WIDTHS["KPI"], pinned=True),
                "Last 8 quarters": st.column_config.LineChartColumn(
                    width=125,  # its heading in full ("small" cut it to "Last 8 quart...")
                    color=OKABE_ITO[0],
                    help="Quarters without a value (or below the threshold) are left out.",
                ),
                "Checks": st.column_config.TextColumn(width="medium"),
                "Provider's comment": st.column_config.TextColumn(width="large"),
            },
        )
    # A phone's 360 px cannot hold the grid's verdict columns (fixed pixel widths: KPI, RAG, variation, assurance
    # need 500): there, narrow.css shows the same verdicts as a table whose cells wrap, in the grid's place.
    with st.container(key="scorecard-phone"):
        verdicts = [card.table.columns.index(column) for column in SCORECARD_ORDER[:4]]
        verdict_rows = [[row[i] for i in verdicts] for row in card.table.rows]
        show_static_table(Table(card.table.caption, SCORECARD_ORDER[:4], verdict_rows))
    st.caption(f"{plain(card.note.text)} Select a row to open its chart.")


def _open_selected_row(codes: list[str]) -> None:
    rows = st.session_state["scorecard_table"].selection.rows
    if rows:
        st.session_state["kpi"] = codes[rows[0]]


def _choose_kpi(review: kpis.Review, codes: list[str]) -> None:
    if "kpi" not in st.session_state or st.session_state["kpi"] not in codes:
        if "kpi" in st.session_state:  # another contract chosen: its first KPI, no complaint about the old one
            st.session_state["kpi"] = codes[0]
        else:
            st.session_state["kpi"] = from_url("kpi", codes, codes[0], "the KPI", review.names.get(codes[0], codes[0]))


def _author() -> str:
    return who.author  # the signed-in name; '' in the demo, where the form asks for it


def _returns(review: kpis.Review) -> None:
    st.header("Returns")
    returned = kpis.returns(wh, review)
    show([returned.table, returned.note], key="returns")
    if returned.problems is not None:
        show([returned.problems], key="problems")


def _action_label(review: kpis.Review, row: dict) -> str:
    text = row["action"] if len(row["action"]) <= 60 else row["action"][:59] + "…"
    return f"{review.names.get(row['kpi_code'], row['kpi_code'])}: {text} ({row['owner']})"


def _actions_section(review: kpis.Review) -> None:
    """The contract's actions on this review, and a form to update one (owner, due date, done)."""
    contract = review.contract_id
    table = kpis.quarter_actions(wh, review)
    st.header(plain(table.caption))
    if "action_updated" in st.session_state:
        st.success(plain(st.session_state.pop("action_updated")))
    if table.rows:
        show_verdict_table(table, "actions", ACTIONS_FIRST, ACTIONS_WIDTHS, caption=False, every_row=True)
    else:
        st.caption("No actions are open for this contract. Agree one in a review note above.")
        return
    listed = review_actions.actions_for_quarter(settings, contract, quarter)
    rows = {r["action_id"]: r for r in listed.iter_rows(named=True)}
    chosen = st.selectbox(
        "Action to update",
        list(rows),
        format_func=lambda i: plain(_action_label(review, rows[i])),
        key="action_chosen",
    )
    row = rows[chosen]
    with st.form(f"action_update_{chosen}", border=True):
        text = st.text_area(
            "Action", value=row["action"], max_chars=review_actions.MAX_ACTION_CHARS, key=f"action_text_{chosen}"
        )
        owner_column, due_column = st.columns(2)
        owner = owner_column.text_input(
            "Owner", value=row["owner"], max_chars=review_actions.MAX_OWNER_CHARS, key=f"action_owner_{chosen}"
        )
        due = due_column.date_input(
            "Due by", value=date.fromisoformat(row["due_date"]), format="DD/MM/YYYY", key=f"action_due_{chosen}"
        )
        done = st.checkbox("Done", value=bool(row["done_on"]), key=f"action_done_{chosen}")
        if st.form_submit_button("Update action"):
            try:  # the role rule is checked inside, where the action is written
                review_actions.update_action(settings, who, chosen, text, owner, due, done, quarter)
                st.session_state["action_updated"] = f"Action updated: {_action_label(review, rows[chosen])}"
                st.rerun()  # the list above shows the change
            except AccessRefused as exc:
                audit("refused", "write_note", who, contract=contract)
                st.error(plain(str(exc)), icon="🔒")
            except (review_actions.ActionRejected, AppStateUnavailable) as exc:
                st.error(plain(str(exc)))


# The KPI picker re-runs this part alone (a fragment inside the contract's): the chart, the note form, the notes and
# actions, and the comparison with other providers. The scorecard above and the returns and exports below do not
# depend on the KPI. (Choosing a row of the scorecard re-runs the contract's fragment: the table is outside this one.)
@st.fragment
def _kpi_review(review: kpis.Review, codes: list[str]) -> None:
    kpi = st.selectbox("KPI to examine", codes, format_func=review.names.get, key="kpi")
    st.query_params["kpi"] = kpi
    detail = per_build(kpis.review_kpi_detail, review.contract_id, quarter, kpi)
    st.header(plain(detail.name))
    show([detail.summary])
    show_chart(detail.chart)
    if not reads_notes:
        return  # providers see their scorecards and returns only: not notes, other providers or exports
    _note_form(review, kpi, detail)
    notes = kpis.quarter_notes(wh, review)
    st.markdown(f"**{plain(notes.caption)}**")
    if notes.rows:
        show_table(notes, "notes")
    else:
        st.caption("No notes yet for this quarter.")
    _actions_section(review)
    st.header("Compared with other providers")
    widen = bool(st.session_state.get("funnel_overdispersion", False))
    compared = kpis.comparison(wh, review, kpi, widen)
    if compared.funnel:
        st.checkbox("Allow for overdispersion", key="funnel_overdispersion", help=kpis.OVERDISPERSION_HELP)
    show(compared.blocks, key="compared")


def _note_form(review: kpis.Review, kpi: str, detail) -> None:
    notes_problem = app_state.problem(settings)
    if notes_problem:
        st.warning(plain(notes_problem), icon="⚠️")
    with st.form("review_note", clear_on_submit=True, border=True):
        _note_fields(review.contract_id, kpi, detail)


def _note_fields(contract: str, kpi: str, detail) -> None:
    st.markdown(f"**Review note: {plain(detail.name)}, {quarter}**")
    commentary = st.text_area("Commentary", key="note_commentary", max_chars=review_notes.MAX_NOTE_CHARS)
    actions = st.text_area("Agreed actions", key="note_actions", max_chars=review_notes.MAX_NOTE_CHARS)
    owner_column, due_column = st.columns(2)
    owner = owner_column.text_input(
        "Action owner", key="note_owner", max_chars=review_actions.MAX_OWNER_CHARS, help="The note's author if blank."
    )
    due = due_column.date_input(
        "Action due by", value=review_actions.default_due(quarter), key="note_due", format="DD/MM/YYYY"
    )
    signed_in = _author()
    author = signed_in or st.text_input("Your name", key="note_author", max_chars=review_notes.MAX_AUTHOR_CHARS)
    if st.form_submit_button("Save note"):
        try:  # the role rule is checked inside, where the note and its action are written
            previous = review_notes.latest_note(settings, contract, quarter, kpi)
            note_id, action_id = review_actions.save_note_with_action(
                settings, who, contract, quarter, kpi, commentary, actions, author, owner, due
            )
            audit(
                "note_write",
                f"{contract} {quarter} {kpi}",
                who,
                note_id=note_id,
                author=author,
                commentary=commentary,
                agreed_actions=actions,
                action_id=action_id,
                previous=previous,
            )
            st.success(f"Note saved for {plain(detail.name)}, {quarter}.")
        except AccessRefused as exc:
            audit("refused", "write_note", who, contract=contract)
            st.error(plain(str(exc)), icon="🔒")
        except (review_notes.NoteRejected, review_actions.ActionRejected, AppStateUnavailable) as exc:
            st.error(plain(str(exc)))


def _workbook(review: kpis.Review) -> bytes:
    from dashboard.exports.kpi_review_excel import review_workbook  # imported when the file is asked for

    return review_workbook(kpis.kpi_review(wh, review))


def _pdf(review: kpis.Review) -> bytes:
    # WeasyPrint takes a second to import (its fonts and Pango): paid when a PDF is asked for, not by every first
    # view of the page after the server starts.
    from dashboard.exports.kpi_review_pdf import review_pdf

    return review_pdf(kpis.kpi_review(wh, review))


def _exports(review: kpis.Review) -> None:
    st.header("Export this review")
    left, right = st.columns(2)
    contract, stem = review.contract_id, review.file_stem
    # The files are made when a button is pressed (on another thread), with the notes as they are then.
    left.download_button(
        "Download Excel workbook",
        made_on_click(lambda: _workbook(review), f"{stem}.xlsx", contract=contract, quarter=quarter),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_excel",
        on_click="ignore",
    )
    right.download_button(
        "Download PDF with charts",
        made_on_click(lambda: _pdf(review), f"{stem}.pdf", contract=contract, quarter=quarter),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key="download_pdf",
        on_click="ignore",
    )
    st.caption(
        "The scorecard, every quarter's figures and this quarter's review notes, as on this page. "
        f"{review.disclosure.note}"
    )


# The contract picker re-runs this part alone (a fragment): everything below it depends on the contract, nothing
# above it does. The quarter in the sidebar re-runs the whole page.
@st.fragment
def _contract_review() -> None:
    contract = st.selectbox("Contract", list(labels), format_func=labels.get, key="contract")
    st.query_params["contract"] = contract
    review = per_build(kpis.open_review, contract, quarter)
    for notice in review.notices():
        NOTICES[notice.level](plain(notice.text))
    if not review.expected:
        return
    last = kpis.read_last_actions(wh, review)
    if last.period:
        lines = "\n".join(f"- {plain(item)}" for item in last.items)
        st.info(f"**{plain(last.heading)}**\n\n{lines}")
    if not review.codes:
        st.info(review.no_kpis)
        return
    card = per_build(kpis.review_scorecard, contract, quarter)  # shared by every session, like the review
    _scorecard(card)
    _choose_kpi(review, card.codes)
    _kpi_review(review, card.codes)
    _returns(review)
    if not reads_notes:
        st.caption(refusal("read_notes"))  # providers see their scorecards and returns only
        return
    _exports(review)


reads_notes = allowed(who, "read_notes", quiet=True)
_contract_review()
