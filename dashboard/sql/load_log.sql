-- What the last build loaded: one row per import table.
select table_name, file, encoding, rows_read, rows_loaded, rows_rejected, duplicates_collapsed, notices
from ingest.load_log
order by table_name
