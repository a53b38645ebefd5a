-- One supplier's row of the re-audit queue: priority, due date, triggers and suggested action (zero or one row).
select * from marts.reaudit_queue where supplier_id = $supplier_id
