-- Grain: one row per survey x respondent x question.
with source as (
    select * from raw_survey_responses
),

final as (
    select survey, response_id, period, locality_code, respondent_group, question_code, answer, load_id
    from source
    qualify row_number() over (
        partition by survey, response_id, question_code order by load_id desc, source_row desc
    ) = 1
)

select * from final
