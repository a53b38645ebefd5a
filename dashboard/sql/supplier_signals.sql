-- marts.supplier_signals for one supplier.
select *
from marts.supplier_signals
where supplier_id = $supplier_id
