-- Every row the last build rejected, with file, line, column and reason (one row per broken rule).
select table_name, file, line, column_name, reason, raw_line
from ingest.rejected_rows
order by table_name, file, line, column_name
