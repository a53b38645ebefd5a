-- marts.supplier_risk_history for one supplier.
select *
from marts.supplier_risk_history
where supplier_id = $supplier_id
