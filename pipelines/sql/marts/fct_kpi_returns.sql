-- Grain: one row per contract x quarter x KPI, as reported in the latest submission, with the earlier
-- submission it replaced (if any) and when each arrived. The KPI's name, type, unit and direction come
-- from the current catalogue; targets in force each quarter are in mart_kpi_catalogue.
with returns as (
    select * from stg_kpi_returns
),

per_file as (
    -- One row per submission: if a file repeats a row, its last one counts (as in staging).
    select r.contract_id, r.period, r.kpi_code, r.numerator, r.denominator, r.value, r.load_id, l.loaded_at
    from raw_kpi_returns as r
    left join load_log as l on l.load_id = r.load_id
    qualify row_number() over (
        partition by r.contract_id, r.period, r.kpi_code, r.load_id order by r.source_row desc
    ) = 1
),

submissions as (
    select
        *,
        row_number() over (partition by contract_id, period, kpi_code order by load_id desc) as newest_first,
        count(*) over (partition by contract_id, period, kpi_code) as submissions
    from per_file
),

catalogue as (
    select * from stg_kpi_catalogue
),

final as (
    select
        r.contract_id,
        r.provider,
        k.contract_type,
        r.period,
        q.quarter_end,
        r.kpi_code,
        k.kpi_name,
        k.unit,
        k.higher_is_better,
        r.numerator,
        r.denominator,
        r.value,
        r.comment,
        r.load_id,
        latest.loaded_at as received_at,
        latest.submissions,
        earlier.numerator as previous_numerator,
        earlier.denominator as previous_denominator,
        earlier.value as previous_value,
        earlier.loaded_at as previous_received_at
    from returns as r
    left join catalogue as k on k.kpi_code = r.kpi_code
    left join ref_quarter as q on q.period = r.period
    left join submissions as latest
        on latest.contract_id = r.contract_id and latest.period = r.period and latest.kpi_code = r.kpi_code
        and latest.newest_first = 1
    -- The submission before the latest: what a resubmission replaced.
    left join submissions as earlier
        on earlier.contract_id = r.contract_id and earlier.period = r.period and earlier.kpi_code = r.kpi_code
        and earlier.newest_first = 2
)

select * from final
order by contract_id, quarter_end, kpi_code
