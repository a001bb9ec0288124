-- Grain: one row per KPI x reporting quarter: the catalogue entry in force that quarter (target, amber
-- tolerance, direction, and how the value is calculated from numerator and denominator).
-- The latest catalogue file that lists a KPI holds its whole target history: a row with an
-- effective_from quarter sets the target from that quarter on; a blank one applies from the start.
-- Reads raw_kpi_catalogue because stg_kpi_catalogue keeps one row per KPI and drops effective_from.
with catalogue_rows as (
    select * from raw_kpi_catalogue
),

latest_file as (
    select kpi_code, max(load_id) as load_id
    from catalogue_rows
    group by kpi_code
),

versions as (
    select
        c.kpi_code,
        c.name as kpi_name,
        c.contract_type,
        c.unit,
        c.higher_is_better,
        coalesce(c.calculation, case when c.unit = 'percent' then 'proportion' else 'reported' end) as calculation,
        c.target,
        c.amber_tolerance,
        c.effective_from,
        -- The catalogue's own order, so scorecards list KPIs as the council does.
        min(c.source_row) over (partition by c.kpi_code) as catalogue_order,
        -- The same key as ref_quarter.sort_key (start year x 4 + quarter number); blank sorts first.
        coalesce(
            cast(left(c.effective_from, 4) as integer) * 4 + cast(right(c.effective_from, 1) as integer), -1
        ) as from_sort_key
    from catalogue_rows as c
    inner join latest_file as l on l.kpi_code = c.kpi_code and l.load_id = c.load_id
    -- Two rows for the same KPI and quarter in one file: the lower one corrects the upper.
    qualify row_number() over (partition by c.kpi_code, c.effective_from order by c.source_row desc) = 1
),

final as (
    select
        v.kpi_code,
        v.kpi_name,
        v.contract_type,
        v.unit,
        v.higher_is_better,
        v.calculation,
        v.catalogue_order,
        q.period,
        q.sort_key,
        q.quarter_end,
        v.target,
        v.amber_tolerance,
        v.effective_from as target_from
    from versions as v
    inner join ref_quarter as q on q.sort_key >= v.from_sort_key
    qualify row_number() over (partition by v.kpi_code, q.period order by v.from_sort_key desc) = 1
)

select * from final
order by kpi_code, sort_key
