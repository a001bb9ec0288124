-- Grain: one row per quarter x unique event of the submission selected for that quarter
-- (int_cld_submission_selected), each event with a stable reference (stg_cld.event_key) read as its latest
-- version: the one in the submission with the latest reporting period (then the latest load) that sends it.
-- A quarter only an older submission covers thus sees a later correction too: a service whose start date a
-- later return moves from March into April is open at neither the March quarter end nor new in both quarters.
-- Events without a usable reference are read as the selected submission sends them. Every CLD measure for a
-- quarter starts here.
with selected as (
    select * from int_cld_submission_selected
),

in_selected as (
    select s.period, s.quarter_start, s.quarter_end, e.*
    from selected as s
    inner join stg_cld as e on e.load_id = s.load_id and e.la_code = s.la_code
),

latest_version as (
    select distinct on (event_key) event_key, load_id
    from stg_cld
    where event_key is not null
    order by event_key, reporting_period_end_date desc, load_id desc
),

keyed as (
    select distinct period, quarter_start, quarter_end, event_key
    from in_selected
    where event_key is not null
),

final as (
    select * from in_selected where event_key is null
    union all by name
    select k.period, k.quarter_start, k.quarter_end, e.*
    from keyed as k
    inner join latest_version as v on v.event_key = k.event_key
    inner join stg_cld as e on e.load_id = v.load_id and e.event_key = k.event_key
)

select * from final
