-- When the warehouse was built, the analysis date it reflects and the code version that built it (a column older
-- builds lack: every column, so the page can tell).
select * from ingest.build_info
