"""Ingest benchmark: `asc ingest` of synthetic activity files beside a bare DuckDB read of the same file.

    .venv/bin/python benchmarks/ingest.py                  # 1 and 10 million rows
    .venv/bin/python benchmarks/ingest.py --rows 1000000 --repeat 3

For each size it writes an activity CSV (people with about three service episodes each, one row in ten
thousand deliberately bad), then times, each in a fresh process so peak memory is that step's own:

- bare load: ``create table t as select * from read_csv(file)`` into a new DuckDB file, the same work
  ingest does minus the checks (types are guessed, nothing is validated or pseudonymised);
- ingest: ``pipelines.ingest.ingest_paths`` into a new store: SHA-256 and archive copy, every row
  validated, person identifiers pseudonymised with a keyed hash, rejects kept, one transaction. Both
  files here are over ``ingest.LARGE_FILE_BYTES``, so each is checked in one pass into its own table.

Targets (issue 3): ingest within 2x the bare load's time, peak memory under 1.5 GB at 10 million rows.
With ``--repeat`` the median run of the repeats is reported (bare and ingest alternate, so a busy spell on
a shared machine falls on both). The 10 million row file takes about 1.2 GB of disk in the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATE = """
copy (
  select
    'P' || lpad((i % {people})::varchar, 8, '0') as person_id,
    case when i % 10000 = 7 then 999 else 18 + hash(i) % 85 end as age,
    ['female', 'male', 'female', 'unknown'][1 + (hash(i + 1) % 4)::int] as sex,
    ['Physical support: personal care support', 'Learning disability support', 'Mental health support',
     'Support with memory and cognition', 'Sensory support', 'Social support',
     'Physical support: access and mobility only'][1 + (hash(i + 2) % 7)::int] as primary_support_reason,
    ['E07000008', 'E07000009', 'E07000010', 'E07000011', 'E07000012'][1 + (hash(i + 3) % 5)::int] as locality_code,
    ['home_care', 'direct_payment', 'isf', 'day_care', 'residential', 'cme'][1 + (hash(i + 4) % 6)::int]
        as service_type,
    ['council_arranged', 'direct_payment', 'part_direct_payment', 'isf'][1 + (hash(i + 5) % 4)::int]
        as delivery_route,
    date '2019-04-01' + (hash(i + 6) % 1800)::int as start_date,
    case when hash(i + 7) % 3 = 0 then date '2019-04-01' + (hash(i + 6) % 1800)::int + (hash(i + 8) % 300)::int
    end as end_date,
    round((hash(i + 9) % 4000) / 100.0, 2) as weekly_hours,
    round((hash(i + 10) % 100000) / 100.0, 2) as weekly_cost_gbp,
    case when hash(i + 4) % 6 = 1 then null else 'PRV-' || lpad((hash(i + 11) % 400)::varchar, 4, '0') end
        as provider_id
  from range({rows}) as t(i)
) to '{path}' (header, delimiter ',')
"""

BARE = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.sql("set enable_progress_bar = false")
con.sql("create table t as select * from read_csv(?)", params=[sys.argv[1]])
con.sql("checkpoint")
print(con.sql("select count(*) from t").fetchall()[0][0])
"""

INGEST = """
import json, sys
from pathlib import Path
from pipelines.config import load_settings
from pipelines.ingest import ingest_paths
[r] = ingest_paths([Path(sys.argv[1])], load_settings(sys.argv[2]))
print(json.dumps({"status": r.status, "read": r.rows_read, "loaded": r.rows_loaded, "rejected": r.rows_rejected}))
"""


def measure(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python; its wall time, CPU time and peak resident memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"benchmark step failed ({proc.returncode}):\n{err}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "out": out.strip().splitlines()[-1],
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def bench(rows: int, folder: Path, repeat: int) -> tuple[dict, dict]:
    import duckdb

    from tests.conftest import write_test_config

    path = folder / f"activity_{rows}.csv"
    with duckdb.connect() as con:
        con.sql(GENERATE.format(rows=rows, people=max(rows // 3, 1), path=path))
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"\n{rows:,} rows: {path.name}, {size_mb:,.0f} MB", flush=True)
    bare_runs, ingest_runs = [], []
    for i in range(repeat):
        store = folder / f"bare_{i}.duckdb"
        bare_runs.append(measure(BARE, str(path), str(store)))
        store.unlink(missing_ok=True)
        run_folder = folder / f"ingest_{rows}_{i}"
        run_folder.mkdir()
        ingest_runs.append(measure(INGEST, str(path), str(write_test_config(run_folder))))
    bare, ingest = median_run(bare_runs), median_run(ingest_runs)
    result = json.loads(ingest["out"])
    assert result["read"] == rows and result["rejected"] == rows // 10000 + (rows % 10000 > 7), result
    assert int(bare["out"]) == rows
    path.unlink()
    return bare, ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="file sizes in rows")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step; the median is reported")
    parser.add_argument("--folder", help="where to write the files (default: a temporary folder)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.1f}")
    lines = []
    with tempfile.TemporaryDirectory(prefix="asc-bench-", dir=args.folder) as tmp:
        for rows in args.rows:
            bare, ingest = bench(rows, Path(tmp), args.repeat)
            for name, r in (("DuckDB read_csv -> table (bare)", bare), ("asc ingest (validate, pseudonymise)", ingest)):
                line = (
                    f"{rows:>12,}  {name:<36} {r['seconds']:>8.1f} s {rows / r['seconds']:>12,.0f} rows/s "
                    f"{r['cpu']:>8.1f} CPU s {r['peak_mb']:>8,.0f} MB peak"
                )
                lines.append(line)
                print(line, flush=True)
            ratio = ingest["seconds"] / bare["seconds"]
            verdict = "within" if ratio <= 2 else "OVER"
            memory = "under" if ingest["peak_mb"] < 1536 else "OVER"
            line = (
                f"{'':>12}  ingest / bare: {ratio:.2f}x time ({verdict} the 2x target), "
                f"{ingest['cpu'] / bare['cpu']:.2f}x CPU; peak {ingest['peak_mb']:,.0f} MB ({memory} 1.5 GB)"
            )
            lines.append(line)
            print(line, flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}\n\nSummary\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
