"""`asc`: the one command-line entry point.

    asc demo             write the synthetic demo inbox
    asc ingest PATH...   validate and load inbox files
    asc build            rebuild the warehouse and its marts
    asc serve            start the dashboard
    asc purge            remove a person's or a file's raw data (subject rights)

Exit codes, for scheduled jobs: 0 all loaded, 2 usage error, 3 some rows rejected, 4 a file rejected
whole (or holding no data rows), 5 a file not loaded because of an unexpected error or a store that
cannot be read (the message gives a reference; the detail is in the error log, see
``pipelines/errors.py``), 6 the data folder cannot be written (read-only, no permission, disk full), 1 a build
failure. ``asc ingest`` exits with the worst of its files' outcomes.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines.config import PROJECT_ROOT, ConfigError, load_settings
from pipelines.permissions import owner_only, tighten_all
from pipelines.wording import counted

console = Console(stderr=True)
EXIT_OK, EXIT_BUILD_FAILED, EXIT_USAGE, EXIT_ROWS_REJECTED, EXIT_FILE_REJECTED, EXIT_FAILED = 0, 1, 2, 3, 4, 5
EXIT_UNWRITABLE = 6  # the data folder (ingest store, warehouse, archive) cannot be written: nothing changed


@contextmanager
def progress(description: str):
    """A spinner with the current step; steps taking over a second show their time."""
    started = time.perf_counter()
    with console.status(description) as status:
        yield lambda step: status.update(f"{description}: {step}")
    elapsed = time.perf_counter() - started
    console.print(f"[green]✓[/green] {description} ({elapsed:.1f} s)")


def cmd_demo(args, settings) -> int:
    from pipelines.demo import write_demo_inbox

    out = Path(args.out) if args.out else settings.path("inbox") / "demo"
    with progress("Writing synthetic demo inbox"):
        files = write_demo_inbox(out, settings)
    for source, path in files.items():
        console.print(f"  {source:<18} {path}")
    return EXIT_OK


def cmd_init(args, settings) -> int:
    from pipelines.config import PROJECT_ROOT
    from pipelines.council_init import UnknownCouncil, write_council_config

    out = Path(args.out) if args.out else PROJECT_ROOT / "asc.toml"
    try:
        council, path = write_council_config(args.council, out, force=args.force)
    except (UnknownCouncil, FileExistsError) as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        return EXIT_USAGE
    console.print(f"Wrote {path} for {council['area_name']} ({council['area_code']}, {council['kind']}).")
    console.print("Next: asc demo, asc ingest, asc build (with ASC_CONFIG or --config naming this file).")
    return EXIT_OK


def cmd_ingest(args, settings) -> int:
    """Load the files named; no traceback reaches the user (see pipelines/errors.py)."""
    from pipelines.errors import record_unexpected, unexpected_message
    from pipelines.ingest import IdentityError, StoreUnavailable

    try:
        return _ingest(args, settings)
    except IdentityError as exc:
        console.print(f"[red]Nothing was loaded:[/red] {exc}", soft_wrap=True)
        return EXIT_FAILED
    except StoreUnavailable as exc:
        console.print(f"[red]Nothing was loaded:[/red] {exc}", soft_wrap=True)
        return EXIT_UNWRITABLE
    except Exception as exc:
        reference, log = record_unexpected(exc, settings, "asc ingest " + " ".join(args.paths))
        console.print(f"[red]{unexpected_message('asc ingest stopped', exc, reference, log)}[/red]", soft_wrap=True)
        return EXIT_FAILED


def _ingest(args, settings) -> int:
    from pipelines.ingest import expand_paths, ingest_paths, remove_stale_files

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        console.print(f"[red]No such file or folder:[/red] {', '.join(missing)}")
        return EXIT_USAGE
    if not expand_paths(paths):
        console.print("[red]No .csv, .xlsx or .parquet files found in[/red] " + ", ".join(args.paths))
        return EXIT_USAGE
    removed = [] if args.dry_run else remove_stale_files(settings)
    if removed:
        console.print(f"Removed what an interrupted run left behind: {', '.join(str(p) for p in removed)}")
    with progress("Ingesting" + (" (dry run: nothing is loaded)" if args.dry_run else "")):
        results = ingest_paths(
            paths,
            settings,
            args.source,
            args.dry_run,
            args.sheet,
            args.year,
            on_wait=lambda why: console.print(why),
            resubmission=args.resubmission,
        )
    print_ingest_summary(results, dry_run=args.dry_run)
    for r in results:
        audit_cli(
            settings,
            "upload",
            r.file,
            sha256=r.sha256,
            source=r.source,
            status=r.status,
            rows_loaded=r.rows_loaded,
            rows_rejected=r.rows_rejected,
            dry_run=args.dry_run,
            via="asc ingest",
        )
    return ingest_exit_code(results)


def ingest_exit_code(results) -> int:
    """The worst outcome among the files: a file that failed, over one refused whole (or holding no rows),
    over rows refused."""
    worst = EXIT_OK
    for r in results:
        if r.status == "failed":
            worst = max(worst, EXIT_FAILED)
        elif r.status in ("rejected", "no_data"):
            worst = max(worst, EXIT_FILE_REJECTED)
        elif r.rows_rejected:
            worst = max(worst, EXIT_ROWS_REJECTED)
    return worst


STATUS_WORDS = {
    "loaded": "loaded",
    "loaded_with_rejects": "loaded, some rows rejected",
    "duplicate": "skipped: already loaded",
    "rejected": "file rejected",
    "no_data": "no data rows",
    "failed": "failed: unexpected error",
    "dry_run": "checked (dry run)",
}


def print_ingest_summary(results, dry_run: bool = False, first: int = 5) -> None:
    """One line per file (loaded, rejected, skipped as a duplicate), then each file's first rejects."""
    table = Table("file", "source", "result", "rows read", "loaded", "rejected", "notes", title="Ingest summary")
    for r in results:
        loaded = f"{r.rows_loaded:,}" + (" (would load)" if dry_run and r.status == "dry_run" else "")
        table.add_row(
            r.file,
            r.source or "-",
            STATUS_WORDS.get(r.status, r.status),
            f"{r.rows_read:,}",
            loaded,
            f"{r.rows_rejected:,}",
            r.message,
        )
    Console(width=max(Console().width, 160)).print(table)
    for r in results:
        if r.status == "rejected":
            console.print(f"[red]{r.file} was rejected whole:[/red] {r.message}", soft_wrap=True)
        elif r.status == "no_data":
            console.print(f"[red]{r.file} was not loaded:[/red] {r.message}", soft_wrap=True)
        elif r.status == "failed":
            console.print(f"[red]{r.message}[/red]", soft_wrap=True)
        for warning in r.warnings:
            console.print(f"[yellow]{r.file}: {warning[:1].upper()}{warning[1:]}.[/yellow]", soft_wrap=True)
        if r.changes is not None:
            print_changes(r.file, r.changes, dry_run)
        if r.status in ("rejected", "no_data", "failed"):
            continue
        if r.rejects.height:
            console.print(f"First rejects in {r.file} ({counted(r.rows_rejected, 'row')} rejected in all):")
            for row in r.rejects.head(first).iter_rows(named=True):
                console.print(
                    f"  row {row['row_number']}, column {row['column_name']}, value {row['value']!r}: {row['reason']}",
                    soft_wrap=True,
                )


def print_changes(file: str, changes, dry_run: bool) -> None:
    """What a resubmission changes (or would: a dry run), with the first rows of each kind."""
    verb = "would change" if dry_run else "changed"
    console.print(f"Resubmission {file} {verb} the {changes.source} rows: {changes.summary()}", soft_wrap=True)
    for change, key, what in changes.sample:
        console.print(f"  {change} {key}: {what}", soft_wrap=True, markup=False)
    if dry_run:
        console.print("Run again without --dry-run to accept it.")


def audit_cli(settings, action: str, subject: str, **detail) -> None:
    """One audit-trail row for a command, naming the operating-system account that ran it; a trail that cannot be
    written is said on the console rather than stopping a job whose work is done."""
    import sqlite3

    from pipelines.audit import record

    try:
        record(settings, f"asc CLI ({getpass.getuser()})", action, subject, **detail)
    except (sqlite3.Error, OSError) as exc:
        console.print(f"[yellow]The audit trail could not be written:[/yellow] {exc}", soft_wrap=True)


def cmd_build(args, settings) -> int:
    code = _build(settings)
    outcome = "rebuilt" if code == EXIT_OK else "failed; the previous warehouse is unchanged"
    audit_cli(settings, "build", "warehouse", outcome=outcome, exit_code=code, via="asc build")
    return code


def _build(settings) -> int:
    import duckdb

    from pipelines.build import BuildError, build_warehouse
    from pipelines.errors import describe_os_error, record_unexpected, unexpected_message

    try:
        with progress("Building the warehouse") as step:
            result = build_warehouse(settings, on_step=step)
    except BuildError as exc:
        console.print(f"[red]Build failed; the previous warehouse is unchanged.[/red]\n{exc}")
        return EXIT_BUILD_FAILED
    except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
        why = describe_os_error(exc) if isinstance(exc, OSError) else str(exc).strip().splitlines()[0]
        console.print(
            f"[red]Build failed; the previous warehouse is unchanged.[/red] The data folder cannot be written "
            f"({why}). Check that {settings.path('warehouse').parent} exists and that this user may write to it, "
            "or set paths.warehouse and paths.ingest_store in the settings file",
            soft_wrap=True,
        )
        return EXIT_UNWRITABLE
    except Exception as exc:  # never a traceback: a reference, and the detail in the log
        reference, log = record_unexpected(exc, settings, "asc build")
        console.print(f"[red]{unexpected_message('asc build stopped', exc, reference, log)}[/red]", soft_wrap=True)
        return EXIT_FAILED
    console.print(f"  {len(result.models)} models, {len(result.checks)} checks passed -> {result.path}")
    return EXIT_OK


def cmd_serve(args, settings) -> int:
    if not settings.path("warehouse").exists():
        console.print(
            "[red]No warehouse yet.[/red] Run `asc demo`, `asc ingest data/inbox` and `asc build` "
            "first (or `make run`, which does all of it)."
        )
        return EXIT_USAGE
    from pipelines.serving import WatchdogTimes, default_workers, serve

    workers = args.workers if args.workers is not None else settings.serve.workers
    if workers < 0:
        console.print("[red]--workers must be 1 or more (0 for one per CPU core, at most 4).[/red]")
        return EXIT_USAGE
    workers = workers or default_workers()
    if args.config:  # the workers read their settings from the same file
        os.environ["ASC_CONFIG"] = str(Path(args.config).resolve())
    times = WatchdogTimes(
        interval=settings.serve.health_check_seconds,
        timeout=settings.serve.health_timeout_seconds,
        failures=settings.serve.failed_checks_before_restart,
        start_timeout=settings.serve.start_timeout_seconds,
    )
    console.print(
        f"Dashboard on http://{args.address}:{args.port} with {workers} worker process{'es' if workers > 1 else ''} "
        "(Ctrl+C to stop)"
    )
    # Each worker imports what every session needs before it answers (dashboard.shell.server): the first page
    # view after start-up no longer waits for scipy, pandas and the rest.
    app = PROJECT_ROOT / "dashboard" / "app.py"
    return serve(app, args.address, args.port, workers, times, PROJECT_ROOT, launcher="dashboard.shell.server")


def cmd_report(args, settings) -> int:
    if not settings.path("warehouse").exists():
        console.print("[red]No warehouse yet.[/red] Run `asc build` first (or `make run`).")
        return EXIT_USAGE
    # The CLI is the composition root: the one place below the dashboard that may reach up into it.
    from dashboard.pack import FORMATS, BackgroundCharts, PackError, build_pack, output_paths, render_pack, warm_up
    from dashboard.queries import Warehouse

    formats = FORMATS[args.format]
    try:
        with progress("Writing the committee pack") as step:
            warm_up()  # Chromium starts while the warehouse is read; each theme's charts are drawn as it is written
            charts = BackgroundCharts()
            step("reading the warehouse and drawing charts")
            try:
                pack = build_pack(Warehouse(settings), args.period, args.locality, on_section=charts.submit)
            finally:
                charts.wait()
            step(f"{pack.area}, {pack.period}: laying out the pages")
            files = render_pack(pack, formats)
    except PackError as exc:
        console.print(f"[red]{exc}[/red]")
        return EXIT_USAGE
    for fmt, path in output_paths(pack, Path(args.out) if args.out else None, formats).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")  # a reader never sees half a file
        partial.write_bytes(files[fmt])
        partial.replace(path)
        console.print(f"  {fmt.upper():<4} {path}")
        audit_cli(settings, "pack_download", path.name, via="asc report", out=str(path))
    return EXIT_OK


def cmd_purge(args, settings) -> int:
    """Subject rights: a person's or a file's raw data removed from the archive, the store and the warehouse."""
    from pipelines.purge import PurgeError, purge_expired, purge_file, purge_person, rebuild

    person = sys.stdin.readline().strip() if args.person == "-" else args.person
    try:
        with progress("Purging"):
            if args.expired:
                result = purge_expired(settings)
            elif args.file is not None:
                result = purge_file(settings, args.file)
            else:
                result = purge_person(settings, person)
        if not args.expired:  # expiry removes archive copies only: the warehouse never held them
            with progress("Rebuilding the warehouse without it"):
                rebuild(settings, result)
    except PurgeError as exc:
        console.print(f"[red]Nothing was purged:[/red] {exc}", soft_wrap=True)
        return EXIT_USAGE
    audit_cli(settings, "purge", result.reference, what=result.what, via="asc purge", **result.summary)
    rows = sum(result.store_rows.values())
    by_table = ", ".join(f"{t} {n:,}" for t, n in result.store_rows.items())
    if args.expired:
        console.print(f"{counted(len(result.archive_files), 'archived raw file')} deleted: {result.reference}.")
        return EXIT_OK
    console.print(
        f"{result.what.capitalize()} {result.reference}: {counted(result.archive_rows, 'archived row')} in "
        f"{counted(len(result.archive_files), 'file')} {'removed' if result.what == 'person' else 'deleted'}, "
        f"{counted(rows, 'store row')} deleted ({by_table or 'none'}).",
        soft_wrap=True,
    )
    if not result.rebuilt:
        console.print(f"[red]The warehouse was not rebuilt; run asc build.[/red] {result.build_error}", soft_wrap=True)
        return EXIT_BUILD_FAILED
    console.print("The warehouse has been rebuilt without it; the audit trail records the purge.")
    return EXIT_OK


def _source_names() -> list[str]:
    from pipelines.schemas import ALL_SOURCES

    return list(ALL_SOURCES)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="asc",
        description="Adult social care commissioning analytics: load data, build, serve.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 all loaded, 1 build failed, 2 usage error, 3 some rows rejected, "
        "4 a file rejected whole, 5 a file not loaded (unexpected error; see the reference given).",
    )
    p.add_argument("--config", help="settings file (default: ASC_CONFIG or asc.toml in the project)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="write the synthetic demo inbox",
        description="Write deterministic synthetic demo files, one per inbox source.",
    )
    demo.add_argument("--out", help="folder to write to (default: <inbox>/demo)")
    demo.set_defaults(run=cmd_demo)

    init = sub.add_parser(
        "init",
        help="write the settings file for a council",
        description="Write asc.toml (or --out) for any English council with adult social care duties: name, "
        "code, region, committee, districts as localities and default targets, from the shipped national lookups.",
    )
    init.add_argument("council", help="the council's name (Nottinghamshire) or GSS code (E10000024)")
    init.add_argument("--out", help="file to write (default: asc.toml in the project)")
    init.add_argument("--force", action="store_true", help="replace the file if it exists")
    init.set_defaults(run=cmd_init)

    ingest = sub.add_parser(
        "ingest",
        help="validate and load inbox files",
        description="Validate every row of each file and load the good rows; "
        "rejected rows are kept with their reasons. Sources: " + ", ".join(_source_names()) + ".",
        epilog="Exit codes, the worst among the files: 0 everything loaded (or skipped as already loaded), "
        "3 some rows rejected, 4 a file rejected whole or holding no data rows, 5 a file not loaded because of an "
        "unexpected error (the message gives a reference; the detail is in the error log), 2 usage error.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to load")
    ingest.add_argument("--source", help="source name when it cannot be told from the columns (see the list below)")
    ingest.add_argument("--sheet", help="XLSX: the sheet to read, by name or number (default: the first with a header)")
    ingest.add_argument(
        "--year", help="published ASCOF files: the financial year, e.g. 2022/23, when the file name does not say"
    )
    ingest.add_argument("--dry-run", action="store_true", help="validate and report, load nothing")
    ingest.add_argument(
        "--resubmission",
        action="store_true",
        help="the files replace what earlier files sent (a KPI return: its providers' quarters; a survey file: its "
        "surveys' quarters; activity, referrals, the PA register, the KPI catalogue: the whole "
        "list): rows they no longer hold are withdrawn. Prints the rows added, changed and withdrawn; with "
        "--dry-run, before anything is loaded. A file whose name holds the word 'resubmission' is one without "
        "this flag. CLD submissions need none: the latest for a reporting period is read whole",
    )
    ingest.set_defaults(run=cmd_ingest)

    build = sub.add_parser(
        "build",
        help="rebuild the warehouse and marts",
        description="Build a new warehouse from the ingest store and published data, "
        "run the data checks, and swap it in atomically.",
    )
    build.set_defaults(run=cmd_build)

    purge = sub.add_parser(
        "purge",
        help="remove a person's or a file's raw data (subject rights)",
        description="Remove one person's rows (by NHS Number or the council's person ID) or one loaded file from "
        "the raw-file archive and the ingest store, then rebuild the warehouse. The audit trail is kept and gains "
        "a purge row naming who ran it (for a person, a keyed purge reference, never the identifier).",
    )
    target = purge.add_mutually_exclusive_group(required=True)
    target.add_argument("--person", metavar="ID", help="NHS Number or person ID; '-' reads it from standard input")
    target.add_argument("--file", metavar="NAME", help="the file's name as loaded, or its SHA-256")
    target.add_argument(
        "--expired",
        action="store_true",
        help="delete archived raw files last loaded more than archive_retention_days ago (for a scheduled job)",
    )
    purge.set_defaults(run=cmd_purge)

    serve = sub.add_parser(
        "serve", help="start the dashboard", description="Start the Streamlit dashboard on the built warehouse."
    )
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    serve.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; give 0.0.0.0 behind a proxy or firewall)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="dashboard processes behind the one address (default: the serve.workers setting; "
        "0 = one per CPU core, at most 4)",
    )
    serve.set_defaults(run=cmd_serve)

    report = sub.add_parser(
        "report",
        help="write the committee pack (PDF and/or HTML)",
        description="Write the committee performance pack for one quarter and area: headline measures with "
        "targets and RAG ratings, a page per theme with charts, and an annex of definitions and data sources.",
    )
    report.add_argument("--period", help='quarter, for example "2024/25 Q4" (default: the latest loaded)')
    report.add_argument("--locality", help="district name or GSS code (default: the whole county)")
    report.add_argument("--format", choices=["pdf", "html", "both"], default="pdf", help="what to write (default pdf)")
    report.add_argument(
        "--out", help="folder, or a file name whose suffix is set per format (default: the current folder)"
    )
    report.set_defaults(run=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "ingest" and args.source and args.source not in _source_names():
        console.print(f"[red]Unknown source '{args.source}'.[/red] Known: {', '.join(_source_names())}")
        return EXIT_USAGE
    if args.command == "ingest" and args.year:
        from models.periods import PeriodError
        from pipelines.ascof import canonical_year

        try:
            args.year = canonical_year(args.year)
        except PeriodError as exc:
            console.print(f"[red]--year:[/red] {exc}")
            return EXIT_USAGE
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        return EXIT_USAGE
    owner_only()  # the archive, stores and logs this run writes are its owner's only
    for change in tighten_all(settings):
        console.print(f"Made owner-only: {change.describe()}", soft_wrap=True)
    return args.run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
