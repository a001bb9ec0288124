-- Grain: one row per quarter x reason a person could not be placed in an area (no postcode, an outward code
-- split between areas with no postcode lookup to settle it, an outward code in none of the areas): people
-- in long-term support at the quarter's end and, of them, those in community support and on a direct
-- payment. They are in the council's totals; this says how many and why, so no one is silently dropped.
with placed as (
    select * from int_cld_ltc_placed where locality_code is null
),

final as (
    select
        p.period,
        q.quarter_end,
        p.placed_by as reason,
        count(*) as people_in_long_term_support,
        count(*) filter (where p.is_community) as community_clients,
        count(*) filter (where p.is_dp_recipient) as dp_recipients
    from placed as p
    inner join ref_quarter as q on q.period = p.period
    group by all
)

select * from final
order by quarter_end, reason
