-- Grain: one row per quarter x person in that quarter's selected submission: where they live and who they
-- are. Details come from their most recent event (latest start date); where birth dates disagree the
-- earliest is taken (the oldest age), as DHSC does, so nobody is counted twice. A person is placed in an
-- area by the postcode lookup's sector where one is set, else by an outward code listed under exactly one
-- area; a council that reports on one area only (a single-tier council's whole area, as `asc init` writes it)
-- places everyone there, since no postcode can put them elsewhere; the rest are unplaced (counted in the
-- council total, reported in mart_cld_unplaced).
with events as (
    select * from int_cld_events_snapshotted
),

people as (
    select
        period,
        quarter_end,
        person_id,
        arg_max(postcode_district, event_start_date) filter (where postcode_district is not null)
            as postcode_district,
        arg_max(postcode_sector, event_start_date) filter (where postcode_sector is not null) as postcode_sector,
        min(der_birth_date) as der_birth_date,
        max(date_of_death) as date_of_death,
        arg_max(gender, event_start_date) filter (where gender is not null) as gender,
        arg_max(ethnicity, event_start_date) filter (where ethnicity is not null) as ethnicity,
        arg_max(primary_support_reason, event_start_date) filter (where primary_support_reason is not null)
            as primary_support_reason
    from events
    group by period, quarter_end, person_id
),

only_area as (
    select min(locality_code) as locality_code from dim_locality where not is_county having count(*) = 1
),

placed as (
    select
        p.*,
        coalesce(s.locality_code, d.locality_code, o.locality_code) as locality_code,
        case
            when s.locality_code is not null then 'postcode lookup'
            when d.locality_code is not null then 'outward code'
            when o.locality_code is not null then 'the only area'
            when p.postcode_district is null then 'unplaced: no postcode'
            when p.postcode_district in (select postcode_district from ref_postcode_district where is_split)
                then 'unplaced: outward code split between areas'
            else 'unplaced: outward code in no area'
        end as placed_by
    from people as p
    left join ref_postcode_sector as s on s.postcode_sector = p.postcode_sector
    left join ref_postcode_district as d on d.postcode_district = p.postcode_district and not d.is_split
    left join only_area as o on true
),

final as (
    select
        *,
        date_sub('year', der_birth_date, quarter_end) as age_at_quarter_end,
        case
            when der_birth_date is null then 'Unknown'
            when date_sub('year', der_birth_date, quarter_end) < 18 then 'Under 18'
            when date_sub('year', der_birth_date, quarter_end) < 65 then '18-64'
            else '65+'
        end as age_band
    from placed
)

select * from final
