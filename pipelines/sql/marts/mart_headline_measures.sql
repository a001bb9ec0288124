-- Grain: one row per headline measure x quarter x locality (districts and the county), long format,
-- with the measure's direction and target from ref_measure. The Overview and the committee pack read
-- this one table so they can never disagree.
with values_long as (
    select 'dp_uptake_pct' as measure_key, period, locality_code, uptake_pct as value from mart_dp_uptake
    union all
    select 'dp_annual_spend_gbp', period, locality_code, dp_annual_spend_gbp from mart_dp_uptake
    union all
    select 'active_pas', period, locality_code, active_pas from mart_pa_workforce
    union all
    select 'pa_growth_pct', period, locality_code, growth_pct from mart_pa_workforce
    union all
    select 'dpss_very_good_pct', period, locality_code, top_box_pct
    from mart_satisfaction where survey = 'dpss_customer' and question_code = 'overall_rating'
    union all
    select 'outcomes_achieved_pct', period, locality_code, achieved_pct
    from mart_outcomes where outcome_domain = 'all'
    union all
    select 'people_waiting', period, locality_code, people_waiting from mart_waiting_list
    union all
    select 'hours_waiting', period, locality_code, hours_waiting from mart_waiting_list
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
        g.target,
        g.amber_tolerance,
        g.target_by,
        g.description,
        g.period,
        g.quarter_end,
        g.locality_code,
        g.locality_name,
        v.value
    from grid as g
    left join values_long as v
        on v.measure_key = g.measure_key and v.period = g.period and v.locality_code = g.locality_code
)

select * from final
order by display_order, locality_code, quarter_end
