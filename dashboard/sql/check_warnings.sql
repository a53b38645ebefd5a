-- The warnings of the last build's data checks: what each looks for, how many rows are worth a look (not marked
-- reviewed), how many were reviewed (reviewed_warnings), the first few worth a look (the rows are kept).
select check_name, description, rows, reviewed, examples
from ingest.check_warnings
order by check_name
