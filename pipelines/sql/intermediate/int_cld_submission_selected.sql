-- Grain: one row per quarter x LA code with CLD covering the quarter's end: the one submission every CLD
-- figure for that quarter reads. As in the published methods, the most recent submission is taken as the
-- most accurate: the latest load whose reporting period contains the quarter-end date. Quarters a later
-- rolling 12-month submission also covers are read from that later one (corrections, late-closed events).
with submissions as (
    select
        la_code,
        load_id,
        any_value(submission_id) as submission_id,
        min(reporting_period_start_date) as period_start,
        max(reporting_period_end_date) as period_end
    from stg_cld
    group by la_code, load_id
),

final as (
    select
        q.period,
        q.quarter_start,
        q.quarter_end,
        s.la_code,
        max(s.load_id) as load_id,
        arg_max(s.submission_id, s.load_id) as submission_id
    from ref_quarter as q
    inner join submissions as s on q.quarter_end between s.period_start and s.period_end
    group by q.period, q.quarter_start, q.quarter_end, s.la_code
)

select * from final
