-- Each contract has one row per KPI and quarter in mart_kpi_series (and so one value on the scorecard).
select contract_id, kpi_code, period, count(*) as rows
from mart_kpi_series
group by contract_id, kpi_code, period
having count(*) > 1
