-- Grain: one row per CLD load (file) x submission in it x field: how many of the submission's rows had the field
-- blank, invalid (kept as "Invalid and not mapped", or blank where a date or number could not be read) or mapped
-- (Release 1 or differently written values turned into their Release 2 label), as DHSC's data quality dashboard
-- shows councils. Counts of values, not of people (see dashboard/present/data_quality.py on disclosure).
with quality as (
    select * from cld_quality
),

loads as (
    select load_id, file_name, loaded_at from load_log where status like 'loaded%'
),

final as (
    select
        q.load_id,
        l.file_name,
        l.loaded_at,
        q.submission_id,
        q.field,
        q.rows,
        q.blank,
        q.invalid,
        q.mapped
    from quality as q
    inner join loads as l on l.load_id = q.load_id
)

select * from final
