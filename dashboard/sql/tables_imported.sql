-- The tables the last build's import carried a file for (even one without rows): what is not here is unknown.
select distinct table_name from ingest.load_log where coalesce(file, '') <> '' order by table_name
