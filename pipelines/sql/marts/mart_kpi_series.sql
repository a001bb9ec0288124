-- Grain: one row per contract x KPI x quarter, for every KPI in force for the contract's type, from the
-- contract's first return to the latest reporting quarter: the series the scorecard, SPC charts and
-- funnel plots read. A KPI with no return has a null value and says why (missing return, not reported);
-- it is never zero. The value is worked out from numerator and denominator as the catalogue says, and
-- the provider's own figure is kept beside it.
with status as (
    select * from mart_kpi_return_status
),

catalogue as (
    select * from mart_kpi_catalogue
),

returns as (
    select * from fct_kpi_returns
),

spine as (
    select
        s.contract_id,
        s.provider,
        s.contract_type,
        s.period,
        s.sort_key,
        s.quarter_end,
        s.return_received,
        s.timeliness,
        k.kpi_code,
        k.kpi_name,
        k.unit,
        k.higher_is_better,
        k.calculation,
        k.catalogue_order,
        k.target,
        k.amber_tolerance,
        k.target_from
    from status as s
    inner join catalogue as k on k.contract_type = s.contract_type and k.period = s.period
),

joined as (
    select
        sp.*,
        r.numerator,
        r.denominator,
        r.value as reported_value,
        r.comment,
        coalesce(r.submissions, 0) as submissions,
        r.received_at,
        r.previous_value as previous_reported_value,
        r.previous_numerator,
        r.previous_denominator,
        r.previous_received_at,
        case when sp.unit = 'percent' then 100.0 else 1.0 end as scale
    from spine as sp
    left join returns as r on r.contract_id = sp.contract_id and r.period = sp.period and r.kpi_code = sp.kpi_code
),

computed as (
    select
        *,
        case
            when calculation in ('proportion', 'ratio') and denominator > 0 then numerator / denominator * scale
        end as computed_value,
        case
            when calculation in ('proportion', 'ratio') and previous_denominator > 0
                then previous_numerator / previous_denominator * scale
        end as previous_computed_value
    from joined
),

final as (
    select
        contract_id,
        provider,
        contract_type,
        period,
        sort_key,
        quarter_end,
        kpi_code,
        kpi_name,
        unit,
        higher_is_better,
        calculation,
        catalogue_order,
        target,
        amber_tolerance,
        target_from,
        numerator,
        denominator,
        reported_value,
        coalesce(computed_value, reported_value) as value,
        case
            when not return_received then 'missing return'
            when reported_value is null then 'not reported'
            else 'reported'
        end as value_status,
        -- Providers round; more than half a unit apart is an arithmetic slip worth raising.
        coalesce(abs(computed_value - reported_value) > 0.5, false) as value_differs_from_calculation,
        calculation = 'proportion' and numerator > denominator as numerator_exceeds_denominator,
        comment,
        submissions,
        received_at,
        case when submissions > 1 then coalesce(previous_computed_value, previous_reported_value) end
            as previous_submission_value,
        previous_received_at,
        timeliness
    from computed
)

select * from final
order by contract_id, kpi_code, sort_key
