-- mart_dp_uptake has exactly one row per quarter and locality.
select period, locality_code, count(*) as rows_found
from mart_dp_uptake
group by period, locality_code
having count(*) > 1
