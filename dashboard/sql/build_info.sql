-- When the warehouse was built and the analysis date it reflects.
select as_of, built_at, input_dir from ingest.build_info
