-- severity: warn
-- Shipments whose duty or entry fees could not be computed (no HS code, no reference row for the date) and charges left unallocated: landed cost is understated by these.
select shipment_id as row_key, 'duty unknown: no duty_paid and no matching duty_rates row or HS code' as problem
from marts.landed_cost_shipment
where duty_source = 'unknown'
union all
select shipment_id, 'entry fees unknown: no other_fees and no us_mpf row for the entry date'
from marts.landed_cost_shipment
where fees_source = 'unknown'
union all
select source_table || ':' || source_id, 'unallocated ' || charge || ': ' || reason
from marts.unallocated_costs
