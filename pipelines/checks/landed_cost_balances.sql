-- Landed cost adds up: each PO's total is the sum of its parts, and its shipment charges plus unallocated ones equal what the shipments carry.
with po as (
    select * from marts.landed_cost_po
),

shipments as (
    select
        po_id,
        sum(freight) + sum(insurance) + sum(duty) + sum(fees) as shipment_charges,
    from marts.landed_cost_shipment
    group by po_id
),

unallocated as (
    select
        landed_cost_shipment.po_id,
        sum(unallocated_costs.amount) as amount,
    from marts.unallocated_costs as unallocated_costs
    inner join marts.landed_cost_shipment as landed_cost_shipment
        on unallocated_costs.source_table = 'shipments'
        and unallocated_costs.source_id = landed_cost_shipment.shipment_id
    group by landed_cost_shipment.po_id
),

final as (
    select po.po_id, 'landed_total is not the sum of its parts' as problem
    from po
    where landed_total <> goods_value + freight + insurance + duty + fees + inspection_cost
    union all
    select po.po_id, 'allocated plus unallocated shipment charges differ from the shipments'
    from po
    inner join shipments on po.po_id = shipments.po_id
    left join unallocated on po.po_id = unallocated.po_id
    where po.freight + po.insurance + po.duty + po.fees + coalesce(unallocated.amount, 0)
        <> shipments.shipment_charges
)

select * from final
