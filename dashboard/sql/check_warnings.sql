-- The warnings of the last build's data checks: what each looks for, how many rows, the first few (the rows are kept).
select check_name, description, rows, examples
from ingest.check_warnings
order by check_name
