-- The rows the last build refused, per table and column: how many rows (a row breaking two rules of the column counts
-- once) and the first of them in file order, with its reason. Most rows first.
select
    table_name,
    column_name,
    count(distinct (file, line)) as refused_rows,
    arg_min(file || ':' || line || ': ' || reason, (file, line)) as first_row
from ingest.rejected_rows
group by table_name, column_name
order by refused_rows desc, table_name, column_name
