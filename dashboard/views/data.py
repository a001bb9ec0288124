"""Data: load a file, see what was wrong with it, the load history, rejected rows and blank templates."""

import hashlib

import polars as pl
import streamlit as st

from dashboard.exports.safe_cells import neutralise_frame
from dashboard.present.data_quality import cld_quality
from dashboard.queries import REJECTS_DOWNLOAD
from dashboard.shell import warehouse
from dashboard.shell.access import allowed, person
from dashboard.shell.audit import audit, made_on_click, on_download
from dashboard.shell.components import plain, show_table
from dashboard.shell.errors import for_page
from models.periods import PeriodError
from pipelines.access import AccessRefused, check_provider_upload, refusal
from pipelines.ascof import canonical_year
from pipelines.schemas import ALL_SOURCES
from pipelines.templates import column_guide, guide_csv, template_csv, template_xlsx
from pipelines.upload import UploadOutcome, UploadRefused, ingest_upload
from pipelines.upload_jobs import job_status, start_upload
from pipelines.wording import counted

wh = warehouse()

settings = wh.settings
TEXT, NUMBER = st.column_config.TextColumn, st.column_config.NumberColumn
REJECT_COLUMNS = {
    "load_id": NUMBER("Load", width="small"),
    "file_name": TEXT("File", width="medium"),
    "source": TEXT("Source", width="small"),
    "row_number": NUMBER("Row", width="small", help="As Excel numbers it; blank when the whole file was refused."),
    "column_name": TEXT("Column", width="small"),
    "value": TEXT("Value", width="small"),
    "reason": TEXT("Reason", width="large"),
}
STATUS = {
    "loaded": ("success", "Loaded"),
    "loaded_with_rejects": ("warning", "Loaded, with some rows rejected"),
    "duplicate": ("info", "Skipped: this exact file was loaded before, so nothing changed"),
    "rejected": ("error", "Rejected whole"),
    "dry_run": ("info", "Checked only (nothing loaded)"),
    "no_data": ("warning", "Nothing loaded: the file has a header but no data rows"),
    "failed": ("error", "Not loaded: something went wrong (the message gives a reference for the log)"),
}
EVERY_ROW_REJECTED = ("error", "Nothing loaded: every row was rejected")


def status_of(status: str, rows_loaded: int, warned: bool = False) -> tuple[str, str]:
    """Alert kind and words for a load; a file whose every row was refused is not 'loaded', and one loaded with a
    warning (a possibly partial return) is shown as a warning, not a success."""
    if status == "loaded_with_rejects" and not rows_loaded:
        return EVERY_ROW_REJECTED
    kind, words = STATUS.get(status, ("info", status))
    return ("warning" if warned and kind == "success" else kind), words


def _audit_upload(outcome: UploadOutcome, dry_run: bool) -> None:
    """The trail's rows for an accepted upload: one per file (name, hash, rows loaded and rejected), and the
    rebuild that followed it, with its outcome."""
    for result in outcome.results:
        audit(
            "upload",
            result.file,
            who,
            sha256=result.sha256,
            source=result.source,
            status=result.status,
            rows_loaded=result.rows_loaded,
            rows_rejected=result.rows_rejected,
            dry_run=dry_run,
        )
    if outcome.rebuilt or outcome.build_error:
        files = ", ".join(r.file for r in outcome.results)
        outcome_words = "rebuilt" if outcome.rebuilt else f"failed: {outcome.build_error}"
        audit("build", "warehouse", who, trigger=f"upload of {files}", outcome=outcome_words)


CHANGE_WORDS = {"added": "added", "changed": "changed", "withdrawn": "withdrawn (no longer in the file)"}


def show_changes(changes, preview: bool) -> None:
    """What a resubmission changes: counts, and the first rows of each kind (person identifiers pseudonymised)."""
    st.subheader("What this resubmission " + ("would change" if preview else "changed"))
    cols = st.columns(4)
    cols[0].metric("Rows added", f"{changes.added:,}")
    cols[1].metric("Rows changed", f"{changes.changed:,}")
    cols[2].metric("Rows withdrawn", f"{changes.withdrawn:,}")
    cols[3].metric("Rows unchanged", f"{changes.unchanged:,}")
    if changes.sample:
        sample = pl.DataFrame(changes.sample, schema=["change", "record", "what"], orient="row")
        sample = sample.with_columns(pl.col("change").replace_strict(CHANGE_WORDS, default=pl.col("change")))
        st.caption("The first rows of each kind (a changed row shows each column as before -> after):")
        st.dataframe(
            neutralise_frame(sample),
            hide_index=True,
            width="stretch",
            column_config={"change": TEXT(width="small"), "record": TEXT(width="small"), "what": TEXT(width="large")},
        )


st.title("Data")
st.markdown(
    "Load the council's extracts and providers' returns, see which rows were refused and why, and download "
    "blank templates. Every file is checked row by row: good rows load, and each problem is listed below "
    "with its row number as you would find it in Excel."
)

# Load a file ------------------------------------------------------------------------------------
st.header("Load a file")
with st.form("upload", clear_on_submit=False):
    uploaded = st.file_uploader(
        f"CSV, Excel (.xlsx) or Parquet file, up to {settings.max_upload_mb} MB",
        type=["csv", "xlsx", "parquet"],
        max_upload_size=settings.max_upload_mb,
    )
    left, middle, right = st.columns(3)
    source_label = left.selectbox(
        "What the file holds", ["Work it out from the columns", *ALL_SOURCES], help="Only needed when unclear."
    )
    sheet = middle.text_input("Excel sheet (optional)", help="Name or number; default: the first with a header.")
    year = right.text_input("Year, for a published ASCOF file (optional)", placeholder="2022/23")
    dry_run = st.checkbox("Check only: do not load anything")
    resubmission = st.checkbox(
        "This file replaces earlier ones (a resubmission): show me what it changes before loading it",
        help="A KPI return replaces its providers' quarters, a survey file its surveys' quarters, the council's own "
        "extracts the whole list: rows it no longer holds are withdrawn.",
    )
    submitted = st.form_submit_button("Check and load", type="primary")

who = person()
JOB, PENDING = "upload_job", "resubmission_pending"


def accept_upload(name: str, data: bytes, source, sheet: str, year, dry_run: bool, resubmission: bool) -> None:
    """Where an upload is accepted: checked and loaded while the page waits, or when large by a background process
    (``upload_jobs``, progress below); raises UploadRefused, PeriodError or AccessRefused."""
    # The check sits where the upload is accepted: a provider loads its own contracts' KPI returns only.
    check_provider_upload(who, name, data)
    source = "kpi_returns" if who.only_provider else source
    st.session_state.pop("upload_outcome", None)
    if len(data) >= settings.background_upload_kb * 1024:
        job = start_upload(settings, name, data, who.label, source, sheet, year, dry_run, resubmission)
        st.session_state[JOB] = {"id": job, "dry_run": dry_run}
        return
    with st.spinner(f"Checking {name}" + ("" if dry_run else " and rebuilding the warehouse") + "..."):
        outcome = ingest_upload(name, data, settings, source, sheet, year, dry_run, resubmission=resubmission)
    finished(outcome, dry_run)


def finished(outcome: UploadOutcome, dry_run: bool) -> None:
    st.session_state["upload_outcome"] = outcome
    _audit_upload(outcome, dry_run)
    if outcome.rebuilt:
        st.rerun()  # so the sidebar (data to, built at) and every table show the new build too


def refused(name: str, data: bytes, exc: Exception) -> None:
    st.session_state.pop("upload_outcome", None)
    audit("upload_refused", name, who, sha256=hashlib.sha256(data).hexdigest(), reason=str(exc))
    st.error(f"Not loaded: {plain(for_page(str(exc)))}")


if submitted and not allowed(who, "upload"):
    st.session_state.pop("upload_outcome", None)
elif submitted:
    if uploaded is None:
        st.warning("Choose a file first.")
    else:
        data = uploaded.getvalue()
        try:
            year_value = canonical_year(year) if year.strip() else None
            source = None if source_label.startswith("Work it out") else source_label
            preview = resubmission and not dry_run  # first the difference; loaded once accepted
            st.session_state.pop(PENDING, None)
            if preview:
                st.session_state[PENDING] = (uploaded.name, data, source, sheet.strip(), year_value)
            accept_upload(uploaded.name, data, source, sheet.strip(), year_value, dry_run or preview, resubmission)
        except (UploadRefused, PeriodError, AccessRefused) as exc:
            st.session_state.pop(PENDING, None)
            refused(uploaded.name, data, exc)


@st.fragment(run_every=1.0 if st.session_state.get(JOB) else None)
def upload_progress() -> None:
    """A background upload's progress, asked of the application-state database every second until it ends."""
    job = st.session_state.get(JOB)
    if job is None:
        return
    status = job_status(settings, job["id"])
    if status is None or not status.finished:
        stage = status.stage if status else "starting"
        seconds = f" ({status.seconds:,.0f} s so far)" if status else ""
        st.info(
            f"**{plain(status.file_name if status else 'The upload')}** is being loaded in the background: "
            f"{plain(stage)}{seconds}. You can use other pages meanwhile; this box updates by itself.",
            icon="⏳",
        )
        return
    st.session_state.pop(JOB)
    if status.status == "failed":
        st.session_state.pop(PENDING, None)
        st.session_state["upload_error"] = status.stage
    else:
        _audit_upload(status.outcome, job["dry_run"])
        st.session_state["upload_outcome"] = status.outcome
    st.rerun()


upload_progress()
if error := st.session_state.pop("upload_error", None):
    st.error(f"Not loaded: {plain(for_page(error))}")

outcome = st.session_state.get("upload_outcome")
if outcome is not None:
    for result in outcome.results:
        kind, words = status_of(result.status, result.rows_loaded, warned=bool(result.warnings))
        source = f" as {result.source}" if result.source else ""
        message = for_page(result.message)
        notes = f" {message[:1].upper()}{message[1:]}." if message else ""
        getattr(st, kind)(f"**{plain(result.file)}**{source}: {words}.{plain(notes)}")
        if result.status not in ("rejected", "duplicate"):
            cols = st.columns(3)
            cols[0].metric("Rows read", f"{result.rows_read:,}")
            cols[1].metric(
                "Rows loaded" if result.status != "dry_run" else "Rows that would load", f"{result.rows_loaded:,}"
            )
            cols[2].metric("Rows rejected", f"{result.rows_rejected:,}")
        if result.changes is not None:
            show_changes(result.changes, result.status == "dry_run")
        if result.rejects.height:
            st.caption(f"First problems in {plain(result.file)} (all of them are in the rejected rows below):")
            st.dataframe(result.rejects.head(50), hide_index=True, width="stretch", column_config=REJECT_COLUMNS)
    pending = st.session_state.get(PENDING)
    if pending and all(r.status == "dry_run" for r in outcome.results):
        accept, cancel = st.columns([1, 3])
        if accept.button("Accept and load this resubmission", type="primary"):
            st.session_state.pop(PENDING)
            try:
                accept_upload(*pending, dry_run=False, resubmission=True)
            except (UploadRefused, PeriodError, AccessRefused) as exc:
                refused(pending[0], pending[1], exc)
            st.rerun()
        if cancel.button("Cancel: do not load it"):
            st.session_state.pop(PENDING)
            st.session_state.pop("upload_outcome", None)
            st.rerun()
    if outcome.rebuilt and any(r.rows_loaded for r in outcome.results):
        st.success("The warehouse has been rebuilt: every page now includes this file.")
    elif outcome.rebuilt:
        st.info("Nothing was loaded; the load history and rejected rows below include this file.")
    elif outcome.build_error:
        st.error(
            "The file loaded, but the warehouse could not be rebuilt, so pages show the previous data.\n\n"
            + plain(for_page(outcome.build_error))
        )

# Load history -----------------------------------------------------------------------------------
if not allowed(who, "see_load_history", quiet=True):
    st.caption(refusal("see_load_history"))
else:  # the history, rejects and data quality cover every organisation's files
    meta = wh.meta()
    log = wh.load_log()
    st.header("Load history")
    cols = st.columns(3)
    loaded = pl.col("status").str.starts_with("loaded") & (pl.col("rows_loaded") > 0)
    cols[0].metric("Files loaded", f"{log.filter(loaded).height:,}")
    cols[1].metric("Rows loaded", f"{int(log['rows_loaded'].sum() or 0):,}")
    cols[2].metric("Rows rejected", f"{int(log['rows_rejected'].sum() or 0):,}")
    st.caption(f"Warehouse built {meta.built_at:%d %B %Y at %H:%M} UTC; data to {meta.latest_period}.")
    st.dataframe(
        log.with_columns(
            pl.when((pl.col("status") == "loaded_with_rejects") & (pl.col("rows_loaded") == 0))
            .then(pl.lit(EVERY_ROW_REJECTED[1]))
            .otherwise(pl.col("status").replace_strict({k: v[1] for k, v in STATUS.items()}, default=pl.col("status")))
            .alias("status")
        ),
        hide_index=True,
        width="stretch",
        column_order=[
            "loaded_at",
            "file_name",
            "source",
            "status",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "message",
            "is_synthetic",
            "load_id",
        ],
        column_config={
            "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="D MMM YYYY, HH:mm", width="medium"),
            "file_name": TEXT("File", width="medium"),
            "source": TEXT("Source", width="small"),
            "status": TEXT("Result", width="medium"),
            "rows_read": NUMBER("Rows read", format="localized"),
            "rows_loaded": NUMBER("Rows loaded", format="localized"),
            "rows_rejected": NUMBER("Rows rejected", format="localized"),
            "message": TEXT("Notes", width="large"),
            "is_synthetic": st.column_config.CheckboxColumn("Synthetic demo data", width="small"),
            "load_id": NUMBER("Load", width="small"),
        },
    )

    # Rejected rows ----------------------------------------------------------------------------------
    st.header("Rejected rows")
    available = wh.reject_files()
    if not allowed(who, "see_rejects", quiet=True):
        st.caption(refusal("see_rejects"))
    elif available.is_empty():
        st.success("No rows have been rejected.")
    else:
        left, right = st.columns(2)
        files = left.multiselect("File", available["file_name"].unique().sort().to_list(), placeholder="All files")
        sources = right.multiselect(
            "Source", available["source"].drop_nulls().unique().sort().to_list(), placeholder="All sources"
        )
        problems, rows = wh.reject_counts(files, sources)
        shown = wh.rejects(files, sources)
        st.caption(
            f"{counted(rows, 'row')} rejected, {counted(problems, 'problem')} in all"
            + (
                f"; the first {shown.height:,} are shown, the download has them all."
                if problems > shown.height
                else "."
            )
            + " A blank row number means the whole file was refused."
        )
        st.dataframe(shown, hide_index=True, width="stretch", column_config=REJECT_COLUMNS)
        st.download_button(
            "Download rejected rows (CSV)",
            # Written when the button is pressed, not on every render: it may hold a million rows.
            made_on_click(
                lambda: neutralise_frame(wh.rejects(files, sources, limit=REJECTS_DOWNLOAD)).write_csv(),
                "rejected_rows.csv",
                files=files,
                sources=sources,
            ),
            file_name="rejected_rows.csv",
            mime="text/csv",
            on_click="ignore",
            help="Text starting with = + - or @ is prefixed with an apostrophe, so Excel never runs it as a formula.",
        )

    # CLD data quality -------------------------------------------------------------------------------
    st.header("CLD data quality")
    report = cld_quality(wh.cld_quality())
    if report is None:
        st.info("No Client Level Data (CLD) return has been loaded yet.")
    else:
        chosen = st.selectbox(
            "Submission", list(report.submissions), format_func=report.submissions.get, key="cld_submission"
        )
        report = cld_quality(wh.cld_quality(), chosen)
        st.markdown(plain(report.summary.text))
        show_table(report.table, "cld-quality")
        st.caption(report.note.text)
        st.download_button(
            "Download data quality, every submission (CSV)",
            neutralise_frame(report.download).write_csv(),
            file_name="cld_data_quality.csv",
            mime="text/csv",
            on_click=on_download("cld_data_quality.csv"),
        )

# Templates --------------------------------------------------------------------------------------
st.header("Blank templates")
chosen = st.selectbox("Source", list(ALL_SOURCES), key="template_source")
source = ALL_SOURCES[chosen]
st.caption(f"{chosen}: {source.grain}. Column names are matched ignoring case and spaces.")
st.dataframe(
    column_guide(source, settings.locality_codes),
    hide_index=True,
    width="stretch",
    column_config={
        "column": TEXT(width="medium"),
        "required": TEXT(width="small"),
        "type": TEXT(width="medium"),
        "allowed values": TEXT(width="large"),
        "description": TEXT(width="large"),
        "also accepted as": TEXT(width="small"),
    },
)
cols = st.columns(3)
cols[0].download_button("CSV template", template_csv(chosen), f"{chosen}_template.csv", "text/csv")
cols[1].download_button(
    "Excel template with column guide",
    lambda: template_xlsx(chosen, settings.locality_codes),  # a workbook is built only when asked for
    f"{chosen}_template.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
)
cols[2].download_button(
    "Column guide (CSV)", guide_csv(chosen, settings.locality_codes), f"{chosen}_columns.csv", "text/csv"
)
