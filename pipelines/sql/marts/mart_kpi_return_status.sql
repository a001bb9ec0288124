-- Grain: one row per contract x quarter from the contract's first return to the latest reporting
-- quarter. A quarter with no rows is a missing return: flagged, never shown as zero. Returns are due
-- `kpi_return_due_days` (30 by default) after the quarter ends. A file holding one quarter is a quarterly return, so the time it was
-- loaded says when it arrived; a file holding several quarters is a back-load of history, whose arrival
-- says nothing about timeliness ("received", not judged).
with returns as (
    select * from fct_kpi_returns
),

raw_returns as (
    select contract_id, period, load_id from raw_kpi_returns
),

catalogue as (
    select * from mart_kpi_catalogue
),

rules as (
    select kpi_return_due_days as due_days from ref_council
),

contracts as (
    select
        r.contract_id,
        arg_max(r.provider, q.sort_key) as provider,
        mode(r.contract_type) as contract_type,
        min(q.sort_key) as first_sort_key
    from returns as r
    inner join ref_quarter as q on q.period = r.period
    group by r.contract_id
),

quarters_in_file as (
    select load_id, count(distinct period) as quarters from raw_returns group by load_id
),

arrivals as (
    select
        r.contract_id,
        r.period,
        min(l.loaded_at) as first_received_at,
        arg_min(f.quarters, l.loaded_at) = 1 as arrival_is_known,
        count(distinct r.load_id) as files
    from raw_returns as r
    inner join load_log as l on l.load_id = r.load_id
    inner join quarters_in_file as f on f.load_id = r.load_id
    group by r.contract_id, r.period
),

received as (
    select contract_id, period, count(*) as kpis_reported, max(submissions) > 1 as resubmitted
    from returns
    group by contract_id, period
),

expected as (
    select contract_type, period, count(*) as kpis_expected from catalogue group by contract_type, period
),

spine as (
    select
        c.contract_id,
        c.provider,
        c.contract_type,
        q.period,
        q.sort_key,
        q.quarter_end,
        cast(q.quarter_end + to_days((select due_days from rules)) as date) as due_date
    from contracts as c
    inner join ref_quarter as q on q.sort_key >= c.first_sort_key
),

final as (
    select
        s.contract_id,
        s.provider,
        s.contract_type,
        s.period,
        s.sort_key,
        s.quarter_end,
        s.due_date,
        coalesce(e.kpis_expected, 0) as kpis_expected,
        coalesce(r.kpis_reported, 0) as kpis_reported,
        r.contract_id is not null as return_received,
        a.first_received_at,
        coalesce(r.resubmitted, false) as resubmitted,
        case
            when r.contract_id is null and current_date <= s.due_date then 'not yet due'
            when r.contract_id is null then 'missing'
            when not a.arrival_is_known then 'received'
            when cast(a.first_received_at as date) <= s.due_date then 'on time'
            else 'late'
        end as timeliness,
        case
            when a.arrival_is_known and cast(a.first_received_at as date) > s.due_date
                then datediff('day', s.due_date, cast(a.first_received_at as date))
        end as days_late
    from spine as s
    left join received as r on r.contract_id = s.contract_id and r.period = s.period
    left join arrivals as a on a.contract_id = s.contract_id and a.period = s.period
    left join expected as e on e.contract_type = s.contract_type and e.period = s.period
)

select * from final
order by contract_id, sort_key
