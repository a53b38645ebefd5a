-- Every row the last build's data checks warned of, in each check's order (file and line, or key): the rows are kept.
select check_name, row_key, problem
from ingest.check_warning_rows
order by check_name, row_no
