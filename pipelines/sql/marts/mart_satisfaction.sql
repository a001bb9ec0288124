-- Grain: one row per survey x question x quarter x locality (responses with a known locality), plus the
-- county (all responses). Top-box share: answers in the question's top box(es).
with responses as (
    select r.*, list_contains(string_split(q.top_boxes, '|'), r.answer) as is_top_box
    from stg_survey_responses as r
    inner join ref_survey_question as q on q.survey = r.survey and q.question_code = r.question_code
),

counts as (
    select survey, question_code, period, locality_code, count(*) as responses,
        count(*) filter (where is_top_box) as top_box
    from responses where locality_code is not null
    group by survey, question_code, period, locality_code
    union all
    select survey, question_code, period, (select council_code from ref_council), count(*),
        count(*) filter (where is_top_box)
    from responses
    group by survey, question_code, period
),

final as (
    select
        c.survey,
        c.question_code,
        q.question_text,
        c.period,
        p.quarter_end,
        c.locality_code,
        l.locality_name,
        c.responses,
        c.top_box,
        100.0 * c.top_box / c.responses as top_box_pct
    from counts as c
    inner join ref_survey_question as q on q.survey = c.survey and q.question_code = c.question_code
    inner join dim_locality as l on l.locality_code = c.locality_code
    left join ref_quarter as p on p.period = c.period
)

select * from final
order by survey, question_code, quarter_end, locality_code
