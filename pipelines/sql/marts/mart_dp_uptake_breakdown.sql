-- Grain: one row per quarter CLD covers x area (each locality and the county, which counts people not placed
-- in a district) x breakdown ('Age band', 'Primary support reason', 'Ethnicity') x group. DP uptake (ASCOF
-- 3D(2a)) within each group: DP recipients of the people placed in Community (int_cld_ltc_placed). Support
-- reasons and ethnicities are taken at their broad group (the text before the colon: 'Physical support',
-- 'White'), so more groups have counts large enough to show; blank ones are 'Not recorded'.
with community as (
    select
        period,
        locality_code,
        is_dp_recipient,
        age_band,
        coalesce(nullif(trim(split_part(primary_support_reason, ':', 1)), ''), 'Not recorded') as support_reason,
        coalesce(nullif(trim(split_part(ethnicity, ':', 1)), ''), 'Not recorded') as ethnic_group
    from int_cld_ltc_placed
    where is_community
),

long as (
    select period, locality_code, 'Age band' as breakdown, age_band as category, is_dp_recipient from community
    union all
    select period, locality_code, 'Primary support reason', support_reason, is_dp_recipient from community
    union all
    select period, locality_code, 'Ethnicity', ethnic_group, is_dp_recipient from community
),

counts as (
    select
        period, locality_code, breakdown, category,
        count(*) filter (where is_dp_recipient) as dp_recipients, count(*) as community_clients
    from long
    where locality_code is not null
    group by all
    union all
    select
        period, (select council_code from ref_council), breakdown, category,
        count(*) filter (where is_dp_recipient), count(*)
    from long
    group by period, breakdown, category
),

final as (
    select
        c.period,
        q.quarter_end,
        c.locality_code,
        l.locality_name,
        c.breakdown,
        c.category,
        c.dp_recipients,
        c.community_clients,
        100.0 * c.dp_recipients / c.community_clients as uptake_pct
    from counts as c
    inner join ref_quarter as q on q.period = c.period
    inner join dim_locality as l on l.locality_code = c.locality_code
)

select * from final
order by quarter_end, locality_code, breakdown, category
