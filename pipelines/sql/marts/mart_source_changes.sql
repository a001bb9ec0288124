-- Grain: one row per measure x quarter from which the measure is computed from another source: a series break
-- found in the data, not declared. A council that moves to Client Level Data keeps its earlier quarters from
-- the activity file (int_community_clients_reported), so DP uptake and DP spend change source at the first
-- quarter CLD covers; SPC limits are recalculated from there (pipelines/registry.py change_points).
with first_cld as (
    select s.period, q.sort_key
    from int_cld_submission_selected as s
    inner join ref_quarter as q on q.period = s.period
    order by q.sort_key
    limit 1
),

activity_before as (
    select count(*) as quarters
    from (select distinct period from int_community_clients_reported) as r
    inner join ref_quarter as q on q.period = r.period
    cross join first_cld as f
    where q.sort_key < f.sort_key
),

measures as (
    select * from (values ('dp_uptake_pct'), ('dp_annual_spend_gbp')) as m (measure_key)
),

final as (
    select
        m.measure_key,
        f.period,
        'Source changed: Client Level Data from here, the activity file before' as label
    from measures as m
    cross join first_cld as f
    cross join activity_before as a
    where a.quarters > 0
)

select * from final
order by measure_key
