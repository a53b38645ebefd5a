-- How many rows the last build refused (a row breaking several rules counts once).
select count(distinct (table_name, file, line)) as rows
from ingest.rejected_rows
