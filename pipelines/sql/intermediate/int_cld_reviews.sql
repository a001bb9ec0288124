-- Grain: one row per quarter x review of a service user held in that quarter, read from the quarter's selected
-- submission (int_cld_events_snapshotted), as DHSC's dashboard reads Review Outcomes Achieved: the outcome is
-- 'achieved' (Fully achieved), 'partly' (Partially achieved), 'not_achieved' (Not achieved), 'invalid' (a value
-- outside the list, kept as Invalid and not mapped) or 'unknown' (Unknown or blank); every review stays in the
-- count whatever its outcome. The person's area comes from int_cld_people_located (null: unplaced, counted in
-- the council's total only). CLD records one outcome per review, not one per outcome domain, so a review has its
-- reason (Planned, Unplanned, Review of short term support) instead of a domain. Package hours before and after
-- are the planned hours a week of the person's hourly long-term services open the day before and the day after
-- the review (0 where none): CLD's own record of what changed around the review.
with events as (
    select * from int_cld_events_snapshotted where client_type = 'Service user'
),

reviews as (
    select *
    from events
    where event_type = 'Review' and event_start_date between quarter_start and quarter_end
),

hourly_services as (
    select period, person_id, event_start_date, der_end_date, abs(planned_units_per_week) as hours
    from events
    where event_type = 'Service'
        and lower(cost_frequency_unit_type) like 'hour%'
        and service_type in (select service_type from ref_cld_ltc_hierarchy)
),

hours as (
    select
        r.period,
        r.load_id,
        r.source_row,
        coalesce(sum(s.hours) filter (
            where s.event_start_date <= r.event_start_date - 1
                and (s.der_end_date is null or s.der_end_date >= r.event_start_date - 1)
        ), 0) as hours_before,
        coalesce(sum(s.hours) filter (
            where s.event_start_date <= r.event_start_date + 1
                and (s.der_end_date is null or s.der_end_date >= r.event_start_date + 1)
        ), 0) as hours_after
    from reviews as r
    left join hourly_services as s on s.period = r.period and s.person_id = r.person_id
    group by r.period, r.load_id, r.source_row
),

final as (
    select
        r.period,
        r.quarter_end,
        r.person_id,
        r.event_start_date as review_date,
        coalesce(r.review_reason, 'Not recorded') as review_reason,
        r.review_outcomes_achieved,
        case r.review_outcomes_achieved
            when 'Fully achieved' then 'achieved'
            when 'Partially achieved' then 'partly'
            when 'Not achieved' then 'not_achieved'
            when 'Invalid and not mapped' then 'invalid'
            else 'unknown'
        end as rating,
        p.locality_code,
        h.hours_before,
        h.hours_after
    from reviews as r
    inner join hours as h on h.period = r.period and h.load_id = r.load_id and h.source_row = r.source_row
    left join int_cld_people_located as p on p.period = r.period and p.person_id = r.person_id
)

select * from final
