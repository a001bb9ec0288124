-- Grain: one row per quarter x locality, plus one row per quarter for the county (the council's code).
-- DP uptake (local version of ASCOF 1C(2a)/3D(2a)): DP recipients / people in long-term community
-- support, both aged 18+, at the quarter's end. From Client Level Data this is ASCOF 3D(2a) exactly:
-- community_clients is its denominator (people placed in Community by the setting hierarchy) and
-- dp_recipients its numerator. People who cannot be placed in an area count in the council's row only.
with snapshot as (
    select * from int_community_clients_reported
),

by_locality as (
    select
        period,
        locality_code,
        count(*) filter (where is_dp_recipient) as dp_recipients,
        count(*) as community_clients,
        sum(dp_weekly_cost_gbp) * 52 as dp_annual_spend_gbp
    from snapshot
    where locality_code is not null
    group by period, locality_code
),

county as (
    select
        period,
        (select council_code from ref_council) as locality_code,
        count(*) filter (where is_dp_recipient) as dp_recipients,
        count(*) as community_clients,
        sum(dp_weekly_cost_gbp) * 52 as dp_annual_spend_gbp
    from snapshot
    group by period
),

combined as (
    select * from by_locality
    union all by name
    select * from county
),

final as (
    select
        c.period,
        q.quarter_end,
        c.locality_code,
        l.locality_name,
        c.dp_recipients,
        c.community_clients,
        100.0 * c.dp_recipients / nullif(c.community_clients, 0) as uptake_pct,
        t.dp_uptake_pct as target_pct,
        c.dp_annual_spend_gbp
    from combined as c
    inner join ref_quarter as q on q.period = c.period
    inner join dim_locality as l on l.locality_code = c.locality_code
    cross join ref_targets as t
)

select * from final
order by quarter_end, locality_code
