-- Grain: one row per person x review x outcome domain, known by its record key (outcome_reviews_record_key: the
-- review_id and domain, or where a file has no review_id, person, review date and domain): a corrected review
-- date under the same review_id replaces the row. A row a later resubmission no longer holds is left out.
with source as (
    select *, outcome_reviews_record_key(review_id, outcome_domain, person_id, review_date) as record_key
    from raw_outcome_reviews
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'outcome_reviews'
    group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.review_id, latest.person_id, latest.review_date, latest.locality_code, latest.outcome_domain,
        latest.rating, latest.hours_before, latest.hours_after, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
