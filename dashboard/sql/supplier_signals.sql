-- One supplier's signal contributions to the risk score (one row per signal), largest first.
select *
from marts.supplier_signals
where supplier_id = $supplier_id
order by points desc, pillar, signal
