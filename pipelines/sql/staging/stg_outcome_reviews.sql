-- Grain: one row per person x review date x outcome domain.
with source as (
    select * from raw_outcome_reviews
),

final as (
    select person_id, review_date, locality_code, outcome_domain, rating, hours_before, hours_after, load_id
    from source
    qualify row_number() over (
        partition by person_id, review_date, outcome_domain order by load_id desc, source_row desc
    ) = 1
)

select * from final
