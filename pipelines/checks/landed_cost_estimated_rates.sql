-- severity: warn
-- Shipments whose landed cost uses duty or fees computed after a reference table's verified-through date (rows carried forward: estimated), and customs entries whose shipments disagree on the entry date.
select shipment_id as row_key, 'estimated: entered after ' || estimated_tables as problem
from marts.landed_cost_shipment
where is_estimated
union all
select entry_number, 'entry ' || entry_number || ' has shipments with different entry_on dates'
from staging.shipments
where entry_number is not null
group by entry_number
having count(distinct entry_on) > 1
