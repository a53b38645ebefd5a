-- Defect-coded returned units of the filtered suppliers that name no purchase order (lot), per sales channel, beside
-- every defect-coded returned unit of theirs (marts.return_costs): a return without its lot counts against its
-- supplier but judges no lot (models.po_status.lot_judgement reads returns traced to the lot), so where some returns
-- name their lot and others do not (Amazon's returns reports beside a returns log with po_id) the escapes counted
-- are a floor. One row per channel with such units (channel NULL: returns that name no channel), most units first.
with defect_returns as (
    select * from marts.return_costs
    where is_defect_coded
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
)

select
    channel,
    cast(sum(quantity) filter (where po_id is null) as bigint) as units_without_lot,
    cast(any_value(total.units) as bigint) as defect_units,
from defect_returns
cross join (select sum(quantity) as units from defect_returns) as total
group by channel
having sum(quantity) filter (where po_id is null) > 0
order by units_without_lot desc, channel
