-- Grain: one row per ASCOF year x area x stable measure, from the shipped national file (every council,
-- region and England). Published codes are mapped to stable measures by their framework: the DHSC time
-- series numbers every year in the refreshed (2023-24) framework, NHS Digital's older files in the codes of
-- their year. Where two files give the same year, area and measure (2020-21 survey measures are in both),
-- the DHSC time series wins; they agree (PROVENANCE.md's cross-checks).
with published as (
    select * from public_national_ascof
),

codes as (
    select * from ref_ascof_measure
),

mapped as (
    select
        p.year,
        p.area_code,
        p.cassr_code,
        p.area_name,
        p.area_level,
        c.measure,
        p.published_code,
        p.value,
        p.numerator,
        p.denominator,
        p.margin_of_error,
        p.respondents,
        p.source
    from published as p
    inner join codes as c
        on c.published_code = p.published_code
        and (
            (p.framework = '2023' and c.first_year >= '2023/24')
            or (p.framework = '2014' and c.last_year is not null)
        )
),

final as (
    select *
    from mapped
    qualify row_number() over (
        partition by year, area_code, measure order by (source like 'DHSC%') desc, source
    ) = 1
)

select * from final
