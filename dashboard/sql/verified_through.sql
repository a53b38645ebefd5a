-- The verified-through date of each dated reference table (data/reference/verified_through.csv): one row per table.
select
    table_name,
    cast(verified_through as date) as verified_through,
    source,
    notes,
from reference.verified_through
order by table_name
