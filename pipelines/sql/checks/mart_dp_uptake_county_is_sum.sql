-- The county row equals the sum of its localities (nobody counted twice or lost between districts).
with localities as (
    select period, sum(dp_recipients) as dp, sum(community_clients) as clients
    from mart_dp_uptake
    where locality_code <> (select council_code from ref_council)
    group by period
),

county as (
    select period, dp_recipients as dp, community_clients as clients
    from mart_dp_uptake
    where locality_code = (select council_code from ref_council)
)

select c.period, c.dp, l.dp as locality_dp, c.clients, l.clients as locality_clients
from county as c inner join localities as l using (period)
where c.dp <> l.dp or c.clients <> l.clients
