-- Grain: one row per council with adult social care duties since 2015 (current or abolished): its kind,
-- region, successor and the latest population profile the peer groups are computed from.
with councils as (
    select * from public_national_areas
),

population as (
    select * from mart_council_population
),

latest as (
    select
        area_code,
        max(mid_year) as mid_year
    from population
    group by area_code
),

profile as (
    select
        p.area_code,
        p.mid_year,
        sum(p.population) filter (where p.age_band = 'All ages') as population_all_ages,
        sum(p.population) filter (where p.age_band in ('18-64', '65-74', '75-84', '85+')) as population_18_plus,
        sum(p.population) filter (where p.age_band in ('65-74', '75-84', '85+')) as population_65_plus,
        sum(p.population) filter (where p.age_band = '85+') as population_85_plus
    from population as p
    inner join latest as l on l.area_code = p.area_code and l.mid_year = p.mid_year
    group by p.area_code, p.mid_year
),

final as (
    select
        c.area_code as council_code,
        c.area_name as council_name,
        c.cassr_code,
        c.kind,
        c.region_code,
        c.region_name,
        c.current,
        nullif(c.successor_codes, '') as successor_codes,
        c.same_area_as_successor,
        p.mid_year as population_year,
        p.population_all_ages,
        p.population_18_plus,
        100.0 * p.population_65_plus / p.population_18_plus as pct_65_plus_of_adults,
        100.0 * p.population_85_plus / p.population_18_plus as pct_85_plus_of_adults
    from councils as c
    left join profile as p on p.area_code = c.area_code
)

select * from final
order by council_code
