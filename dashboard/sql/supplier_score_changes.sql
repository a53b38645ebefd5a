-- marts.supplier_score_changes for one supplier.
select *
from marts.supplier_score_changes
where supplier_id = $supplier_id
