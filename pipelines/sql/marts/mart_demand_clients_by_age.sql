-- Grain: one row per district x age band (18-64, 65-74, 75-84, 85+) at the latest reporting quarter:
-- people aged 18+ in long-term community support, the numerators of the service-use rates behind the
-- POPPI-style demand projection. Age on the snapshot date is the age at the start of the person's
-- oldest active episode plus the whole years since; bands with nobody in them are shown as zero.
with latest as (
    select period, quarter_end from ref_quarter order by sort_key desc limit 1
),

clients as (
    select c.person_id, c.locality_code, l.quarter_end
    from int_community_clients_snapshotted as c
    inner join latest as l on l.period = c.period
),

ages as (
    select
        c.person_id,
        c.locality_code,
        max(e.age + floor(datediff('day', e.start_date, c.quarter_end) / 365.25)) as age
    from clients as c
    inner join stg_activity as e
        on e.person_id = c.person_id
        and e.start_date <= c.quarter_end
        and (e.end_date is null or e.end_date >= c.quarter_end)
    group by c.person_id, c.locality_code
),

banded as (
    select
        locality_code,
        case when age < 65 then '18-64' when age < 75 then '65-74' when age < 85 then '75-84' else '85+' end
            as age_band
    from ages
),

bands as (
    select * from (values ('18-64'), ('65-74'), ('75-84'), ('85+')) as b (age_band)
),

final as (
    select d.locality_code, d.locality_name, b.age_band, count(x.age_band) as people
    from dim_locality as d
    cross join bands as b
    left join banded as x on x.locality_code = d.locality_code and x.age_band = b.age_band
    where not d.is_county
    group by d.locality_code, d.locality_name, b.age_band
)

select * from final
order by locality_code, age_band
