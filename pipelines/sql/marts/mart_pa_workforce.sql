-- Grain: one row per quarter x locality, plus the county. Active PAs on the register at quarter end,
-- PAs on payroll, growth on the same quarter a year earlier against the target growth, and PAs per
-- 100 DP recipients (the rural gap shows here), for the quarters that ended before the register was loaded
-- (int_source_quarters).
with pas as (
    select * from int_pas_snapshotted
),

dp as (
    select period, locality_code, is_dp_recipient from int_community_clients_reported
),

pa_counts as (
    select period, locality_code, count(*) as active_pas, count(*) filter (where on_payroll) as pas_on_payroll
    from pas group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(*), count(*) filter (where on_payroll)
    from pas group by period
),

dp_counts as (
    select period, locality_code, count(*) filter (where is_dp_recipient) as dp_recipients
    from dp group by period, locality_code
    union all
    select period, (select council_code from ref_council), count(*) filter (where is_dp_recipient)
    from dp group by period
),

grid as (
    select q.period, q.quarter_end, q.sort_key, l.locality_code, l.locality_name
    from int_source_quarters as q cross join dim_locality as l
    where q.source = 'pa_register'
),

joined as (
    select
        g.period,
        g.quarter_end,
        g.sort_key,
        g.locality_code,
        g.locality_name,
        coalesce(p.active_pas, 0) as active_pas,
        coalesce(p.pas_on_payroll, 0) as pas_on_payroll,
        coalesce(d.dp_recipients, 0) as dp_recipients
    from grid as g
    left join pa_counts as p on p.period = g.period and p.locality_code = g.locality_code
    left join dp_counts as d on d.period = g.period and d.locality_code = g.locality_code
),

final as (
    select
        j.period,
        j.quarter_end,
        j.locality_code,
        j.locality_name,
        j.active_pas,
        j.pas_on_payroll,
        j.dp_recipients,
        100.0 * j.active_pas / nullif(j.dp_recipients, 0) as pas_per_100_dp,
        y.active_pas as active_pas_year_before,
        100.0 * (j.active_pas - y.active_pas) / nullif(y.active_pas, 0) as growth_pct,
        t.pa_growth_pct_per_year as target_growth_pct
    from joined as j
    left join joined as y on y.locality_code = j.locality_code and y.sort_key = j.sort_key - 4
    cross join ref_targets as t
)

select * from final
order by quarter_end, locality_code
