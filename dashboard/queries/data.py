"""Queries for the Data page: load history and rejected rows, filterable by file and source."""

from __future__ import annotations

import polars as pl

REJECTS_SHOWN = 5_000  # rows drawn on the page; the download has them all (up to REJECTS_DOWNLOAD)
REJECTS_DOWNLOAD = 1_000_000


def _reject_filter(files: list[str] | None, sources: list[str] | None) -> tuple[str, list]:
    # An empty selection means "all"; a selection is bound as a list, never pasted into the SQL.
    return (
        "where (len(?::varchar[]) = 0 or list_contains(?::varchar[], file_name)) "
        "and (len(?::varchar[]) = 0 or list_contains(?::varchar[], source))",
        [list(files or []), list(files or []), list(sources or []), list(sources or [])],
    )


class DataQueries:
    """Named queries, mixed into :class:`dashboard.queries.core.Warehouse` (which provides ``q``)."""

    def load_log(self) -> pl.DataFrame:
        return self.q(
            "select load_id, loaded_at, file_name, source, status, rows_read, rows_loaded, rows_rejected, "
            "message, is_synthetic from load_log order by load_id desc"
        )

    def rejects(
        self, files: list[str] | None = None, sources: list[str] | None = None, limit: int = REJECTS_SHOWN
    ) -> pl.DataFrame:
        """Rejected rows, newest load first, with the file, row, column, value and reason."""
        where, params = _reject_filter(files, sources)
        return self.q(
            "select load_id, file_name, source, row_number, column_name, value, reason from rejects "
            f"{where} order by load_id desc, row_number nulls first, column_name limit ?",
            *params,
            limit,
        )

    def reject_counts(self, files: list[str] | None = None, sources: list[str] | None = None) -> tuple[int, int]:
        """Problems found and distinct rows rejected, for the filtered selection."""
        where, params = _reject_filter(files, sources)
        frame = self.q(
            f"select count(*) as problems, count(distinct (load_id, row_number)) as rows_rejected from rejects {where}",
            *params,
        )
        return int(frame["problems"][0]), int(frame["rows_rejected"][0])

    def reject_files(self) -> pl.DataFrame:
        """Files and sources that have rejects, for the filters."""
        return self.q("select distinct file_name, source from rejects order by file_name")

    def cld_quality(self) -> pl.DataFrame:
        """CLD data quality: per load, submission and field, rows and blank, invalid and mapped values."""
        return self.q(
            "select load_id, file_name, loaded_at, submission_id, field, rows, blank, invalid, mapped "
            "from mart_cld_quality order by load_id desc, submission_id, field"
        )
