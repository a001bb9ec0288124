-- Top-box counts never exceed responses.
select survey, question_code, period, locality_code, top_box, responses
from mart_satisfaction
where top_box > responses or responses = 0
