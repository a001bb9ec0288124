-- Grain: one row per ASCOF year x area x stable measure. Published codes are mapped to stable
-- measure names by year, so the DP series runs unbroken through the 2023-24 renumbering
-- (1C2A -> 3D2A) and the code 3A means satisfaction before 2023-24 but control afterwards.
-- Years come from the shipped extract and from annual files loaded with `asc ingest` (see staging).
with published as (
    select * from stg_ascof_published
),

measures as (
    select * from ref_ascof_measure
),

configured_names as (
    -- NHS Digital calls the region "Eastern" in some years and "East of England" in others: the
    -- council's settings name it once.
    select region_code as area_code, region_name as area_name from ref_council
),

area_names as (
    select
        p.area_code,
        coalesce(any_value(c.area_name), arg_max(p.area_name, p.year)) as area_name
    from published as p
    left join configured_names as c on c.area_code = p.area_code
    group by p.area_code
),

final as (
    select
        p.year,
        p.area_code,
        n.area_name,
        coalesce(m.measure, 'ascof_' || lower(p.published_code)) as measure,
        p.published_code,
        p.value
    from published as p
    inner join area_names as n on n.area_code = p.area_code
    left join measures as m
        on m.published_code = p.published_code
        and p.year >= m.first_year
        and (m.last_year is null or p.year <= m.last_year)
)

select * from final
order by measure, area_code, year
