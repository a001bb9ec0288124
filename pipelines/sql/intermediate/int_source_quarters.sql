-- Grain: one row per quarter x snapshot source (activity, pa_register, referrals): the quarters whose end a snapshot
-- can be taken at from the source, those that ended before its latest load (ref_source_load). A file loaded before
-- a quarter ended cannot say who was in support, on the register or waiting at its end: counted from it, everyone
-- in it would still be there. With no load recorded (rows written straight into the store), every quarter.
select q.*, s.source
from ref_quarter as q
inner join ref_source_load as s on s.loaded_on is null or q.quarter_end < s.loaded_on
