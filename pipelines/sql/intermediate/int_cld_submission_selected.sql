-- Grain: one row per quarter x LA code with CLD covering the quarter's end: the one submission every CLD
-- figure for that quarter reads. As DHSC's ASCOF tables do, a quarter is read from one submission covering the
-- whole twelve months to its end (the quarter's own rolling return, or the latest resubmission of it): a later
-- rolling return holds the quarter's end but not the start of its twelve months, so care home admissions and
-- carers supported in those months would be missed. Where no submission covers the twelve months (a council's
-- first CLD quarters), the one holding the quarter's end that covers the most of them is read (covers_year
-- false; months_covered says how many of the twelve it holds). Later corrections of an event still apply to every
-- quarter, through its Event Reference.
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

candidates as (
    select
        q.period,
        q.quarter_start,
        q.quarter_end,
        s.la_code,
        s.load_id,
        s.submission_id,
        greatest(s.period_start, q.quarter_end - interval 1 year + interval 1 day) as covered_from,
        covered_from = q.quarter_end - interval 1 year + interval 1 day as covers_year
    from ref_quarter as q
    inner join submissions as s on q.quarter_end between s.period_start and s.period_end
),

final as (
    select distinct on (period, la_code)
        period, quarter_start, quarter_end, la_code, load_id, submission_id, covers_year,
        date_diff('month', covered_from, quarter_end + interval 1 day) as months_covered
    from candidates
    order by period, la_code, covered_from, load_id desc
)

select * from final
