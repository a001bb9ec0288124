-- Every KPI reported by a provider exists in the KPI catalogue.
select distinct contract_id, period, kpi_code
from fct_kpi_returns
where kpi_name is null
