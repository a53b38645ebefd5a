-- severity: warn
-- Shipments entered after the date the duty and fee tables are verified through: their duty and fees are costed with
-- the last rates on record and marked estimated until the tables are brought up to date; and customs entries whose
-- shipments give different entry dates.
--
-- For engineers: marts.landed_cost_shipment.is_estimated (rows carried forward past a reference table's
-- verified_through date).
select shipment_id as row_key,
    'shipment ' || shipment_id || ' entered on ' || strftime(entry_on, '%Y-%m-%d') || ', after '
        || replace(estimated_tables, '; ', ', ') as problem
from marts.landed_cost_shipment
where is_estimated
union all
select entry_number, 'entry ' || entry_number || ': its shipments give ' || count(distinct entry_on) || ' different entry dates'
from staging.shipments
where entry_number is not null
group by entry_number
having count(distinct entry_on) > 1
