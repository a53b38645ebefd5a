-- Every row the last build's data checks warned of, in each check's order (file and line, or key), with its review
-- when the founder marked it reviewed (reviewed_warnings): the rows are kept.
select check_name, row_key, problem, reviewed_on, reviewed_by, review_note
from ingest.check_warning_rows
order by check_name, row_no
