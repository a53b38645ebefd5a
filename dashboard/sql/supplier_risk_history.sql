-- One supplier's monthly score snapshots (one row per month).
select *
from marts.supplier_risk_history
where supplier_id = $supplier_id
order by month_on
