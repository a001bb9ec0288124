-- Grain: one row per quarter x unique event of the submission selected for that quarter
-- (int_cld_submission_selected). Every CLD measure for a quarter starts here.
with selected as (
    select * from int_cld_submission_selected
),

final as (
    select s.period, s.quarter_start, s.quarter_end, e.*
    from selected as s
    inner join stg_cld as e on e.load_id = s.load_id and e.la_code = s.la_code
)

select * from final
