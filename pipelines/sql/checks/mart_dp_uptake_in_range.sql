-- DP recipients are a subset of community clients, so uptake lies between 0% and 100%.
select period, locality_code, dp_recipients, community_clients, uptake_pct
from mart_dp_uptake
where dp_recipients > community_clients or uptake_pct not between 0 and 100 or period is null
