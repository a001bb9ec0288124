-- Every KPI a contract reports belongs to the same contract type (else part of its return would be hidden).
select contract_id, string_agg(distinct contract_type, ', ') as contract_types
from fct_kpi_returns
where contract_type is not null
group by contract_id
having count(distinct contract_type) > 1
