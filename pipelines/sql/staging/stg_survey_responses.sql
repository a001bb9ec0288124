-- Grain: one row per survey x respondent x question (latest load of each). An answer a later resubmission of the
-- survey's quarter no longer holds is withdrawn (table withdrawals) and left out.
with source as (
    select *, survey_responses_record_key(survey, response_id, question_code) as record_key
    from raw_survey_responses
),

withdrawn as (
    select record_key, max(load_id) as withdrawn_by from withdrawals where source = 'survey_responses'
    group by record_key
),

latest as (
    select *
    from source
    qualify row_number() over (partition by record_key order by load_id desc, source_row desc) = 1
),

final as (
    select
        latest.survey, latest.response_id, latest.period, latest.locality_code, latest.respondent_group,
        latest.question_code, latest.answer, latest.load_id
    from latest
    left join withdrawn using (record_key)
    where withdrawn.withdrawn_by is null or withdrawn.withdrawn_by < latest.load_id
)

select * from final
