-- Grain: one row per quarter (county). Share of DP recipients supported by the Direct Payment Support
-- Service: the DPSS's reported open support cases at quarter end over county DP recipients.
with cases as (
    select period, sum(value) as dpss_active_cases
    from fct_kpi_returns
    where kpi_code = 'dpss_active_cases'
    group by period
),

recipients as (
    select period, dp_recipients
    from mart_dp_uptake
    where locality_code = (select council_code from ref_council)
),

final as (
    select
        q.period,
        q.quarter_end,
        c.dpss_active_cases,
        r.dp_recipients,
        100.0 * c.dpss_active_cases / nullif(r.dp_recipients, 0) as dpss_use_pct
    from ref_quarter as q
    left join cases as c on c.period = q.period
    left join recipients as r on r.period = q.period
)

select * from final
order by quarter_end
