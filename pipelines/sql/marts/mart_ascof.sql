-- Grain: one row per ASCOF year x area x stable measure. Published codes are mapped to stable
-- measure names by year, so the DP series runs unbroken through the 2023-24 renumbering
-- (1C2A -> 3D2A) and the code 3A means satisfaction before 2023-24 but control afterwards.
-- Rows come from annual files loaded with `asc ingest` (they win), the shipped national file (every
-- council, region and England: stg_ascof_national) and the older compiled extract (see staging).
-- `basis` is 'CLD' from the year a measure is computed from Client Level Data (a series break), else 'SALT/survey'.
with published as (
    select * from stg_ascof_published
),

national as (
    select * from stg_ascof_national
),

measures as (
    select * from ref_ascof_measure
),

measure_info as (
    select * from ref_ascof_national_measure
),

configured_names as (
    -- NHS Digital calls the region "Eastern" in some years and "East of England" in others: the
    -- council's settings name it once.
    select region_code as area_code, region_name as area_name from ref_council
),

local_files as (
    select
        p.year,
        p.area_code,
        p.area_name,
        null::varchar as area_level,
        coalesce(m.measure, 'ascof_' || lower(p.published_code)) as measure,
        p.published_code,
        p.value,
        null::double as numerator,
        null::double as denominator,
        null::double as margin_of_error,
        null::double as respondents,
        case when p.priority = 1 then 'loaded with asc ingest' else 'shipped compiled extract' end as source,
        -- an ingested file wins over everything; the compiled extract only fills what the national file lacks
        case when p.priority = 1 then 1 else 3 end as priority
    from published as p
    left join measures as m
        on m.published_code = p.published_code
        and p.year >= m.first_year
        and (m.last_year is null or p.year <= m.last_year)
),

national_rows as (
    select
        year, area_code, area_name, area_level, measure, published_code, value,
        numerator, denominator, margin_of_error, respondents, source, 2 as priority
    from national
),

combined as (
    select * from local_files
    union all by name
    select * from national_rows
),

chosen as (
    select *
    from combined
    qualify row_number() over (partition by year, area_code, measure order by priority) = 1
),

area_names as (
    select
        p.area_code,
        coalesce(any_value(c.area_name), arg_max(p.area_name, p.year)) as area_name,
        coalesce(arg_max(p.area_level, p.year), case
            when p.area_code = 'E92000001' then 'England'
            when p.area_code like 'E12%' then 'Region'
            else 'Council'
        end) as area_level
    from chosen as p
    left join configured_names as c on c.area_code = p.area_code
    group by p.area_code
),

final as (
    select
        p.year,
        p.area_code,
        n.area_name,
        n.area_level,
        p.measure,
        p.published_code,
        p.value,
        p.numerator,
        p.denominator,
        p.margin_of_error,
        p.respondents,
        case when i.cld_from is not null and p.year >= i.cld_from then 'CLD' else 'SALT/survey' end as basis,
        p.source
    from chosen as p
    inner join area_names as n on n.area_code = p.area_code
    left join measure_info as i on i.measure = p.measure
)

select * from final
order by measure, area_code, year
