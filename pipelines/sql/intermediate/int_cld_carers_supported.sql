-- Grain: one row per quarter x unpaid carer aged 18 or over (or of unknown age) with carer support in the
-- twelve months to the quarter's end, placed once by ASCOF 3D's carer hierarchy: Direct payment only >
-- CASSR managed personal budget > CASSR commissioned support only > direct support with unknown mechanism >
-- information, advice and signposting > no direct support to the carer. Events of the quarter's submission
-- (a rolling twelve months); carers who died before the year began are left out.
with events as (
    select e.*, e.quarter_end - interval 1 year + interval 1 day as year_start
    from int_cld_events_snapshotted as e
    where e.client_type in ('Unpaid carer', 'Unpaid carer known by association')
),

in_year as (
    select *
    from events
    where event_start_date <= quarter_end
        and (der_end_date is null or der_end_date >= year_start)
        and (date_of_death is null or date_of_death >= year_start)
        and (
            (service_type is null and event_outcome = 'NFA: Information and advice or signposting')
            or service_type in (
                'Unpaid carer support: Direct to unpaid carer',
                'Unpaid carer support: Support involving the person cared-for'
            )
            or (event_type in ('Assessment', 'Review') and service_type is null)
        )
),

categorised as (
    select
        *,
        case
            when service_type = 'Unpaid carer support: Direct to unpaid carer' then
                case der_delivery_mechanism
                    when 'Direct payment' then 1
                    when 'CASSR managed personal budget' then 2
                    when 'CASSR commissioned support' then 3
                    else 4
                end
            when service_type = 'Unpaid carer support: Support involving the person cared-for' then 6
            when event_type = 'Request' then 5
            when event_outcome = 'NFA: Information and advice or signposting' then 5
            else 6
        end as support_rank
    from in_year
),

final as (
    select
        c.period,
        c.quarter_end,
        c.person_id,
        w.locality_code,
        min(c.support_rank) as support_rank,
        min(c.support_rank) <= 3 as in_denominator,
        min(c.support_rank) <= 2 as is_self_directed,
        min(c.support_rank) = 1 as is_dp_recipient
    from categorised as c
    inner join int_cld_people_located as w on w.period = c.period and w.person_id = c.person_id
    where w.age_band <> 'Under 18'
    group by c.period, c.quarter_end, c.person_id, w.locality_code
)

select * from final
