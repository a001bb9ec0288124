-- Grain: one row per district at the latest quarter with people in long-term community support, plus one row
-- (locality_code 'unplaced') for the people Client Level Data cannot place in a district when there are any: the
-- county is the sum of the rows, so it counts the same people as the Overview and mart_dp_uptake's council row.
-- Where each district stands today, the starting point of every demand scenario. People aged 18+ in long-term
-- community support (int_community_clients_reported: CLD where its submissions cover the quarter) split by route
-- (a DP recipient takes a direct payment), their planned hours a week, and from the council's own activity file
-- where it has one (optional): people with an ISF, care micro-enterprise hours and the hours and costs that give
-- today's hourly rates; the Personal Assistant register's flows over the last twelve months.
with latest as (
    -- the latest quarter with people in long-term community support: a KPI return can bring a later one
    select period, quarter_end, quarter_end - interval 1 year as year_earlier
    from ref_quarter
    order by period in (select period from int_community_clients_reported) desc, sort_key desc
    limit 1
),

clients as (
    select c.*
    from int_community_clients_reported as c
    inner join latest as l on l.period = c.period
),

episodes as (
    select
        e.person_id,
        e.locality_code,
        e.service_type,
        e.delivery_route in ('direct_payment', 'part_direct_payment') as is_dp_route,
        e.delivery_route = 'isf' or e.service_type = 'isf' as is_isf,
        coalesce(e.weekly_hours, 0) as weekly_hours,
        coalesce(e.weekly_cost_gbp, 0) as weekly_cost_gbp
    from stg_activity as e
    inner join ref_service_type as s on s.service_type = e.service_type
    cross join latest as l
    where s.is_long_term_community
        and e.age >= 18
        and e.start_date <= l.quarter_end
        and (e.end_date is null or e.end_date >= l.quarter_end)
),

people as (
    select
        coalesce(c.locality_code, 'unplaced') as locality_code,
        count(*) as people_supported,
        count(*) filter (where c.is_dp_recipient) as dp_recipients,
        coalesce(sum(c.weekly_hours) filter (where c.is_dp_recipient), 0) as dp_weekly_hours,
        coalesce(sum(c.weekly_hours) filter (where not c.is_dp_recipient), 0) as other_weekly_hours
    from clients as c
    group by all
),

isf as (
    -- the activity file's people ids are not CLD's, so people with an ISF are counted in that file alone:
    -- an ISF episode and no direct payment there
    select locality_code, count(*) as isf_people
    from (
        select person_id, arg_max(locality_code, is_isf) as locality_code
        from episodes
        group by person_id
        having bool_or(is_isf) and not bool_or(is_dp_route)
    )
    group by locality_code
),

services as (
    select
        locality_code,
        sum(weekly_hours) filter (where service_type = 'cme') as cme_weekly_hours,
        sum(weekly_hours) filter (where service_type = 'home_care' and not is_dp_route) as home_care_hours,
        sum(weekly_cost_gbp) filter (where service_type = 'home_care' and not is_dp_route) as home_care_cost_gbp,
        sum(weekly_hours) filter (where is_dp_route and weekly_hours > 0) as dp_route_hours,
        sum(weekly_cost_gbp) filter (where is_dp_route and weekly_hours > 0) as dp_route_cost_gbp
    from episodes
    group by locality_code
),

register as (
    select
        p.locality_code,
        count(*) filter (where p.registered_date <= l.quarter_end and (p.left_date is null or p.left_date > l.quarter_end))
            as active_pas,
        count(*) filter (
            where p.registered_date <= l.year_earlier and (p.left_date is null or p.left_date > l.year_earlier)
        ) as pas_year_before,
        count(*) filter (where p.registered_date > l.year_earlier and p.registered_date <= l.quarter_end)
            as pas_joined_last_year,
        count(*) filter (where p.left_date > l.year_earlier and p.left_date <= l.quarter_end) as pas_left_last_year
    from stg_pa_register as p
    cross join latest as l
    group by p.locality_code
),

areas as (
    select locality_code, locality_name from dim_locality where not is_county
    union all
    -- people the council supports but cannot place in a district: in the county, never dropped
    select 'unplaced', 'Not placed in a district' from people where locality_code = 'unplaced'
),

final as (
    select
        l.period,
        l.quarter_end,
        d.locality_code,
        d.locality_name,
        coalesce(p.people_supported, 0) as people_supported,
        coalesce(p.dp_recipients, 0) as dp_recipients,
        coalesce(i.isf_people, 0) as isf_people,
        coalesce(p.dp_weekly_hours, 0) as dp_weekly_hours,
        coalesce(p.other_weekly_hours, 0) as other_weekly_hours,
        coalesce(s.cme_weekly_hours, 0) as cme_weekly_hours,
        coalesce(s.home_care_hours, 0) as home_care_hours,
        coalesce(s.home_care_cost_gbp, 0) as home_care_cost_gbp,
        coalesce(s.dp_route_hours, 0) as dp_route_hours,
        coalesce(s.dp_route_cost_gbp, 0) as dp_route_cost_gbp,
        coalesce(r.active_pas, 0) as active_pas,
        coalesce(r.pas_year_before, 0) as pas_year_before,
        coalesce(r.pas_joined_last_year, 0) as pas_joined_last_year,
        coalesce(r.pas_left_last_year, 0) as pas_left_last_year
    from areas as d
    cross join latest as l
    left join people as p on p.locality_code = d.locality_code
    left join isf as i on i.locality_code = d.locality_code
    left join services as s on s.locality_code = d.locality_code
    left join register as r on r.locality_code = d.locality_code
)

select * from final
order by locality_code
