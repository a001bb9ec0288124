-- Grain: one row per quarter x Personal Assistant active on the register at the quarter's end, for the quarters
-- that ended before the register was loaded (int_source_quarters).
with quarters as (
    select period, quarter_end from int_source_quarters where source = 'pa_register'
),

pas as (
    select * from stg_pa_register
),

final as (
    select q.period, q.quarter_end, p.pa_id, p.locality_code, p.on_payroll
    from quarters as q
    inner join pas as p
        on p.registered_date <= q.quarter_end and (p.left_date is null or p.left_date > q.quarter_end)
)

select * from final
