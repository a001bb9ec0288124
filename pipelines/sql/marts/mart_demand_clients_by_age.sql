-- Grain: one row per district x age band (18-64, 65-74, 75-84, 85+) at the latest reporting quarter, plus the
-- bands of the people Client Level Data cannot place in a district (locality_code 'unplaced') when there are
-- any: people aged 18+ in long-term community support (int_community_clients_reported, the people the
-- Overview counts), the numerators of the service-use rates behind the POPPI-style demand projection. Age is
-- on the snapshot date. People of unknown age (no birth date in CLD; DHSC keeps them in 3D) are put in 18-64,
-- the band whose population changes least, so the bands add up to the people counted everywhere else.
with latest as (
    select period from ref_quarter order by sort_key desc limit 1
),

clients as (
    select coalesce(c.locality_code, 'unplaced') as locality_code, c.age
    from int_community_clients_reported as c
    inner join latest as l on l.period = c.period
),

banded as (
    select
        locality_code,
        case when age is null or age < 65 then '18-64' when age < 75 then '65-74' when age < 85 then '75-84' else '85+' end
            as age_band
    from clients
),

bands as (
    select * from (values ('18-64'), ('65-74'), ('75-84'), ('85+')) as b (age_band)
),

areas as (
    select locality_code, locality_name from dim_locality where not is_county
    union all
    select distinct 'unplaced', 'Not placed in a district' from clients where locality_code = 'unplaced'
),

final as (
    select d.locality_code, d.locality_name, b.age_band, count(x.age_band) as people
    from areas as d
    cross join bands as b
    left join banded as x on x.locality_code = d.locality_code and x.age_band = b.age_band
    group by d.locality_code, d.locality_name, b.age_band
)

select * from final
order by locality_code, age_band
