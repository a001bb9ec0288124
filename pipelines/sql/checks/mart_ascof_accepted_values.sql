-- ASCOF years are financial years (2022/23) and values are never negative.
select year, area_code, measure, value
from mart_ascof
where not regexp_full_match(year, '[0-9]{4}/[0-9]{2}') or value < 0
