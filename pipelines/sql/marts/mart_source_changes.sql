-- Grain: one row per measure x quarter from which the measure is computed from another source: a series break
-- found in the data, not declared. A council that moves to Client Level Data keeps its earlier quarters from
-- the activity file (int_community_clients_reported), so DP uptake and DP spend change source at the first
-- quarter CLD covers; so do the waiting list's people and hours where the referrals file holds earlier quarters
-- (mart_waiting_list). SPC limits are recalculated from there (pipelines/registry.py change_points).
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

referrals_before as (
    select count(*) as quarters
    from mart_waiting_list as w
    inner join ref_quarter as q on q.period = w.period
    cross join first_cld as f
    where q.sort_key < f.sort_key and w.source = 'Referrals file'
),

measures as (
    select m.measure_key, m.earlier, b.quarters
    from (values ('dp_uptake_pct', 'the activity file'), ('dp_annual_spend_gbp', 'the activity file'))
        as m (measure_key, earlier)
    cross join activity_before as b
    union all
    select m.measure_key, 'the referrals file', b.quarters
    from (values ('people_waiting'), ('hours_waiting')) as m (measure_key)
    cross join referrals_before as b
),

final as (
    select
        m.measure_key,
        f.period,
        'Source changed: Client Level Data from here, ' || m.earlier || ' before' as label
    from measures as m
    cross join first_cld as f
    where m.quarters > 0
)

select * from final
order by measure_key
