-- Grain: one row per contract x quarter from the contract's first return to the latest reporting
-- quarter. A quarter with no rows is a missing return: flagged, never shown as zero.
with returns as (
    select contract_id, provider, period from stg_kpi_returns
),

contracts as (
    select r.contract_id, any_value(r.provider) as provider, min(q.sort_key) as first_sort_key
    from returns as r inner join ref_quarter as q on q.period = r.period
    group by r.contract_id
),

received as (
    select contract_id, period, count(*) as kpis_reported from returns group by contract_id, period
),

final as (
    select
        c.contract_id,
        c.provider,
        q.period,
        q.quarter_end,
        coalesce(r.kpis_reported, 0) as kpis_reported,
        r.contract_id is not null as return_received
    from contracts as c
    inner join ref_quarter as q on q.sort_key >= c.first_sort_key
    left join received as r on r.contract_id = c.contract_id and r.period = q.period
)

select * from final
order by contract_id, quarter_end
