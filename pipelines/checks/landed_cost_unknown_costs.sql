-- severity: warn
-- Shipments whose duty or entry fees could not be worked out (no HS code and no duty paid, or no rate for the entry
-- date) and charges that could not be put on any order: landed cost is understated by these.
--
-- For engineers: marts.landed_cost_shipment's duty_source and fees_source 'unknown', and marts.unallocated_costs.
select shipment_id as row_key,
    'shipment ' || shipment_id
        || ': duty unknown: no duty paid given, and no HS code or no duty rate for it on the entry date' as problem
from marts.landed_cost_shipment
where duty_source = 'unknown'
union all
select shipment_id,
    'shipment ' || shipment_id
        || ': entry fees unknown: no fees given, and no merchandise processing fee rate for the entry date'
from marts.landed_cost_shipment
where fees_source = 'unknown'
union all
select source_table || ':' || source_id,
    'unallocated ' || charge || ' of ' || source_table || ' ' || source_id || ': ' || reason
from marts.unallocated_costs
