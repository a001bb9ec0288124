-- Grain: one row per area x single year of age (or "90 and over", "All ages") x projection year, persons.
-- ONS SNPP Z1 files are read one row per area, sex, age and year on ingest. Rows loaded with
-- `asc ingest` win over the shipped extract for the same area, age and year, and the latest load wins
-- among ingested files; earlier loads stay in raw_population_projection as history.
-- A locality (or the council) that neither covers gets a trend of the ONS mid-year estimates shipped for every
-- area (2015-2020, public_national_population_single_years): each single year of age from the latest estimate,
-- grown each year by its age band's average annual growth over the estimates (bands, not single years, so a
-- cohort bulge is not carried forward as a trend). It is labelled as such (projection_basis 'trend', else 'ons'):
-- no ONS projection for that area ships with the product.
with ingested as (
    select *, 1 as priority from raw_population_projection
),

shipped as (
    select *, 2 as priority from public_population_projection
),

combined as (
    select * from ingested
    union all by name
    select * from shipped
),

estimates_own as (
    select mid_year, area_code, age_group, population from public_national_population_single_years
),

estimates as (
    -- a council formed after the latest estimate (Cumberland, North Yorkshire, ...) is the sum of its districts
    select * from estimates_own
    union all
    select e.mid_year, h.council_code_now as area_code, e.age_group, sum(e.population) as population
    from estimates_own as e
    inner join public_national_district_history as h on h.district_code = e.area_code
    where e.area_code like 'E07%' and h.council_code_now not in (select area_code from estimates_own)
    group by all
),

years as (
    select min(mid_year) as first_year, max(mid_year) as last_year from estimates
),

banded as (
    select
        e.*,
        case
            when e.age_group = 'All ages' then 'All ages'
            when e.age_group = '90 and over' or cast(e.age_group as integer) >= 85 then '85+'
            when cast(e.age_group as integer) >= 75 then '75-84'
            else '65-74'
        end as band
    from estimates as e
),

growth as (
    select
        b.area_code,
        b.band,
        pow(
            sum(b.population) filter (where b.mid_year = y.last_year)
            / sum(b.population) filter (where b.mid_year = y.first_year),
            1.0 / (y.last_year - y.first_year)
        ) as annual_growth
    from banded as b
    cross join years as y
    group by b.area_code, b.band, y.first_year, y.last_year
),

uncovered as (
    -- The whole-area locality of a single-tier council (code <council>-area, pipelines/council_init.py) takes
    -- the council's estimates.
    select locality_code as area_code, regexp_replace(locality_code, '-area$', '') as estimate_code
    from dim_locality
    where locality_code not in (select area_code from combined)
),

trend as (
    select
        u.area_code,
        a.locality_name as area_name,
        b.age_group,
        cast(p.projection_year as varchar) as projection_year,
        b.population * pow(g.annual_growth, p.projection_year - y.last_year) as population,
        'persons' as sex,
        'Population' as component,
        'trend' as projection_basis,
        3 as priority
    from uncovered as u
    cross join years as y
    inner join banded as b on b.area_code = u.estimate_code and b.mid_year = y.last_year
    inner join growth as g on g.area_code = b.area_code and g.band = b.band
    inner join dim_locality as a on a.locality_code = u.area_code
    cross join range(2015, 2041) as p (projection_year)
    where p.projection_year >= y.last_year
),

persons as (
    select *
    from (select * from combined union all by name select * from trend)
    where sex = 'persons' and lower(component) = 'population'
),

final as (
    select
        area_code,
        area_name,
        age_group,
        cast(projection_year as integer) as projection_year,
        cast(population as double) as population,
        coalesce(projection_basis, 'ons') as projection_basis
    from persons
    qualify row_number() over (
        partition by area_code, age_group, projection_year
        order by priority, load_id desc nulls last, source_row desc
    ) = 1
)

select * from final
