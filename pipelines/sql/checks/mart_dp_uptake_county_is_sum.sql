-- The county row equals the sum of its localities and the unplaced (nobody counted twice or lost).
with localities as (
    select period, sum(dp) as dp, sum(clients) as clients
    from (
        select period, dp_recipients as dp, community_clients as clients
        from mart_dp_uptake
        where locality_code <> (select council_code from ref_council)
        union all
        select period, count(*) filter (where is_dp_recipient), count(*)
        from int_community_clients_reported
        where locality_code is null
        group by period
    )
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
