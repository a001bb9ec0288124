-- Grain: one row per headline measure x quarter x locality (districts and the county), long format,
-- with the measure's direction, target and amber tolerance from the registry (ref_measure). A measure
-- that is a contract KPI (kpi_code) is rated against the catalogue's target in force that quarter, so
-- it never carries two targets. Every surface reads this one table.
with values_long as (
    -- rests_on: the counts of people each value is computed from (numerator and base), so a presenter can
    -- hide a value (and its change) that would give a small count away.
    select 'dp_uptake_pct' as measure_key, period, locality_code, uptake_pct as value,
        [dp_recipients, community_clients]::double[] as rests_on
    from mart_dp_uptake
    union all
    select 'dp_annual_spend_gbp', period, locality_code, dp_annual_spend_gbp, [dp_recipients]::double[]
    from mart_dp_uptake
    union all
    select 'active_pas', period, locality_code, active_pas, [active_pas]::double[] from mart_pa_workforce
    union all
    select 'pa_growth_pct', period, locality_code, growth_pct, [active_pas, active_pas_year_before]::double[]
    from mart_pa_workforce
    union all
    select 'dpss_very_good_pct', period, locality_code, top_box_pct, [top_box, responses]::double[]
    from mart_satisfaction where survey = 'dpss_customer' and question_code = 'overall_rating'
    union all
    select 'outcomes_achieved_pct', period, locality_code, achieved_pct, [achieved, outcomes_reviewed]::double[]
    from mart_outcomes where review_reason = 'all'
    union all
    select 'people_waiting', period, locality_code, people_waiting, [people_waiting]::double[]
    from mart_waiting_list
    union all
    select 'hours_waiting', period, locality_code, hours_waiting, [people_waiting]::double[] from mart_waiting_list
),

grid as (
    select m.*, q.period, q.quarter_end, q.sort_key, l.locality_code, l.locality_name
    from ref_measure as m cross join ref_quarter as q cross join dim_locality as l
),

final as (
    select
        g.display_order,
        g.measure_key,
        g.measure_name,
        g.unit,
        g.higher_is_better,
        case when g.kpi_code is null then g.target else k.target end as target,
        case when g.kpi_code is null then g.amber_tolerance else k.amber_tolerance end as amber_tolerance,
        g.target_by,
        case
            when g.kpi_code is null then 'local target'
            when k.target is null then 'contract KPI ' || g.kpi_code || ' (no target in force)'
            else 'contract KPI ' || g.kpi_code
        end as target_source,
        g.kpi_code,
        g.description,
        g.source,
        g.frequency,
        g.personal,
        g.period,
        g.quarter_end,
        g.locality_code,
        g.locality_name,
        v.value,
        coalesce(v.rests_on, []::double[]) as rests_on
    from grid as g
    left join values_long as v
        on v.measure_key = g.measure_key and v.period = g.period and v.locality_code = g.locality_code
    left join mart_kpi_catalogue as k
        on k.kpi_code = g.kpi_code and k.period = g.period
)

select * from final
order by display_order, locality_code, quarter_end
