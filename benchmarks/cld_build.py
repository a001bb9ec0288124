"""Build half of the CLD benchmark: the SQL models over a large council's CLD (about 3 million raw_cld rows).

    nice -n 10 .venv/bin/python benchmarks/cld_build.py [--rows 3000000] [--repeats 3]

Twenty quarterly rolling 12-month submissions (five years) of a synthetic council are written straight into
``raw_cld`` (the cleaned shape the CLD reader produces), then every SQL model of ``asc build`` runs over them,
as it does in a build, in a fresh database file each time. Prints the row count, each run's seconds, the median,
peak memory of the process, and the share of the time taken by the CLD models. Target: under 60 s.
``build_figures()`` returns the same figures for the combined CLD benchmark script.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, benchmarks/models.py must not hide the models package

from pipelines.build import run_models  # noqa: E402
from pipelines.config import Settings  # noqa: E402
from pipelines.ingest import ensure_store  # noqa: E402
from pipelines.public import load_public_data  # noqa: E402
from pipelines.reference_tables import write_reference_tables  # noqa: E402

SUBMISSIONS = 20
# Events overlapping a submission's twelve months: about this share of all events, so the base is sized from it.
SHARE_IN_A_SUBMISSION = 0.55

GENERATE = """
insert into raw_cld by name
with events as (
    select
        i as event_id,
        'N:' || (i % $people)::varchar as person_id,
        date '2020-04-01' + (hash(i, 1) % 1826)::integer - 365 as start_date,
        (hash(i, 2) % 1000) / 1000.0 as u,
        (hash(i, 3) % 1000) / 1000.0 as v,
        (hash(i % $people, 4) % 1000) / 1000.0 as w
    from range($events) as t(i)
),
shaped as (
    select *,
        case when u < 0.55 then start_date + (-ln(1 - v) * 700)::integer end as end_date,
        case
            when u < 0.70 then 'Service' when u < 0.82 then 'Request' when u < 0.92 then 'Assessment' else 'Review'
        end as event_type
    from events
),
submissions as (
    select k as load_id, date '2020-07-01' + to_months(3 * k) - interval 1 year as period_start,
        date '2020-07-01' + to_months(3 * k) - interval 1 day as period_end
    from range($submissions) as s(k)
)
select
    s.load_id, e.event_id as source_row, 'E10000003_' || s.load_id::varchar as submission_id, 'E10000003' as la_code,
    s.period_start::date as reporting_period_start_date, s.period_end::date as reporting_period_end_date,
    e.person_id, 'nhs_number' as person_id_source, 1930 + (e.w * 70)::integer as birth_year, 6 as birth_month,
    ['CB1', 'CB6', 'PE13', 'PE29', 'CB23', 'PE7'][1 + (e.w * 6)::integer % 6] as postcode_district,
    'Service user' as client_type, e.event_type, e.start_date as event_start_date,
    case when e.end_date <= s.period_end then e.end_date end as event_end_date,
    case when e.event_type = 'Service' then
        ['Long term support: Community', 'Long term support: Community', 'Long term support: Community',
         'Long term support: Residential care', 'Long term support: Nursing care',
         'Short term support: ST-Max'][1 + (e.v * 6)::integer % 6] end as service_type,
    case when e.event_type = 'Service' then
        ['Direct payment', 'Home support or domiciliary care', 'Day support'][1 + (e.u * 3)::integer % 3]
        end as service_component,
    case when e.event_type = 'Service' then
        ['Direct payment', 'CASSR commissioned support', 'CASSR managed personal budget', null,
         'Invalid and not mapped'][1 + (e.v * 5)::integer % 5] end as delivery_mechanism,
    case when e.event_type = 'Service' then 18.5 end as unit_cost,
    case when e.event_type = 'Service' then 'Hourly' end as cost_frequency_unit_type,
    case when e.event_type = 'Service' then 10.0 end as planned_units_per_week
from shaped as e
inner join submissions as s
    on e.start_date <= s.period_end and (e.end_date is null or e.end_date >= s.period_start::date)
"""


def make_council(con: duckdb.DuckDBPyConnection, rows: int) -> int:
    events = int(rows / SUBMISSIONS / SHARE_IN_A_SUBMISSION)
    sql = (
        GENERATE.replace("$people", str(max(events // 3, 1)))
        .replace("$events", str(events))
        .replace("$submissions", str(SUBMISSIONS))
    )
    con.sql(sql)
    return con.sql("select count(*) from raw_cld").fetchall()[0][0]


def one_build(rows: int, folder: Path) -> tuple[int, float, float]:
    """Fresh database with the council's raw_cld; seconds for every model, and for the CLD ones alone."""
    path = folder / f"bench-{time.monotonic_ns()}.duckdb"
    settings = Settings()
    with duckdb.connect(str(path)) as con:
        ensure_store(con)
        load_public_data(con, settings.path("public_data"))
        n = make_council(con, rows)
        write_reference_tables(con, settings)
        steps: list[tuple[str, float]] = []
        started = time.perf_counter()
        run_models(con, on_step=lambda name: steps.append((name, time.perf_counter())))
        total = time.perf_counter() - started
    path.unlink()
    ends = [t for _, t in steps[1:]] + [started + total]
    cld = sum(end - t for (name, t), end in zip(steps, ends, strict=True) if "cld" in name)
    return n, total, cld


def build_figures(rows: int = 3_000_000, repeats: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_build(rows, Path(tmp)) for _ in range(repeats)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": runs[0][0],
        "median_seconds": statistics.median(r[1] for r in runs),
        "median_cld_model_seconds": statistics.median(r[2] for r in runs),
        "runs": [round(r[1], 2) for r in runs],
        "peak_memory_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    figures = build_figures(args.rows, args.repeats)
    print(f"raw_cld rows: {figures['rows']:,}")
    print(f"SQL models, each run (s): {figures['runs']}")
    print(
        f"median {figures['median_seconds']:.1f} s (CLD models {figures['median_cld_model_seconds']:.1f} s), "
        f"target under 60 s; peak memory {figures['peak_memory_mb']:,} MB"
    )


if __name__ == "__main__":
    main()
