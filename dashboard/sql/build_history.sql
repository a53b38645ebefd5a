-- Every build published at this warehouse path, newest first: when, by whom, from which folder, what it loaded.
select built_at, built_by, input_dir, as_of, rows_loaded, rows_rejected, is_shrink_allowed
from ingest.build_history
order by built_at desc
