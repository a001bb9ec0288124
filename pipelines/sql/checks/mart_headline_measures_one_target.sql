-- A measure has one target: no headline measure shares a name with a contract KPI it is not, and each headline measure has one target per quarter and area.
with shared_names as (
    select m.measure_key, m.measure_name, k.kpi_code, 'name shared with another KPI' as problem
    from ref_measure as m
    inner join (select distinct kpi_code, kpi_name from mart_kpi_catalogue) as k
        on lower(k.kpi_name) = lower(m.measure_name)
    where m.kpi_code is distinct from k.kpi_code
),

two_targets as (
    select measure_key, measure_name, null as kpi_code, 'two targets in one quarter' as problem
    from mart_headline_measures
    group by measure_key, measure_name, period, locality_code
    having count(distinct target) > 1
)

select * from shared_names
union all
select * from two_targets
