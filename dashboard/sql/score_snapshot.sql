-- One supplier's "last month" score (one row, none without a snapshot): macro score_snapshot_before
-- (pipelines/sql/macros.sql), its latest month-end snapshot before the current score, on or before $before if given.
select *
from score_snapshot_before($before)
where supplier_id = $supplier_id
