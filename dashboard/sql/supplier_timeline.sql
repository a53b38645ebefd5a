-- One supplier's history as dated events: orders, payments, inspections, shipments and returns (one row per event).
with purchase_orders as (
    select * from staging.purchase_orders where supplier_id = $supplier_id
),

events as (
    select 'Order' as event, ordered_on as event_on, po_id, sku,
        quantity as quantity, order_value as amount,
        format('{:,} × {} at ${:.2f}', quantity, sku, unit_price) as detail  -- staging prices are in USD
    from purchase_orders
    union all
    select 'Payment', payments.paid_on, payments.po_id, null, null, payments.amount,
        format('{}{} via {}', payments.kind,
            case when payments.is_kind_read_from_amounts then ' (read from the amounts paid)' else '' end,
            replace(coalesce(payments.channel, 'unknown channel'), '_', ' '))
    from staging.payments
    inner join purchase_orders on payments.po_id = purchase_orders.po_id
    union all
    select 'Inspection', inspections.inspected_on, inspections.po_id, null, inspections.sample_size, inspections.cost,
        -- a count left blank in the file is shown as a dash: not recorded, not 0 found; none recorded is said so
        case
            when inspections.major_defects is null and inspections.minor_defects is null
                and inspections.sample_size is null
                then format('{} {}: defect counts not recorded', inspections.inspection_type, inspections.result)
            else format('{} {}: {} major / {} minor in {} sampled', inspections.inspection_type, inspections.result,
                coalesce(format('{:,}', inspections.major_defects), '–'),
                coalesce(format('{:,}', inspections.minor_defects), '–'),
                coalesce(format('{:,}', inspections.sample_size), '–'))
        end
    from staging.inspections
    inner join purchase_orders on inspections.po_id = purchase_orders.po_id
    union all
    select 'Shipment', shipments.shipped_on, shipments.po_id, null, shipments.quantity, shipments.freight_cost,
        format('{:,} {} by {}{}', shipments.quantity, if(shipments.quantity = 1, 'unit', 'units'),
            coalesce(shipments.mode, 'unknown mode'),
            case when shipments.customs_hold_days > 0 then format(', {} {} customs hold', shipments.customs_hold_days,
                if(shipments.customs_hold_days = 1, 'day', 'days')) else '' end)
    from staging.shipments
    inner join purchase_orders on shipments.po_id = purchase_orders.po_id
    union all
    select 'Delivery', shipments.delivered_on, shipments.po_id, null, shipments.quantity, null,
        format('{:,} {} delivered', shipments.quantity, if(shipments.quantity = 1, 'unit', 'units'))
    from staging.shipments
    inner join purchase_orders on shipments.po_id = purchase_orders.po_id
    where shipments.delivered_on is not null
    union all
    -- the supplier a return counts against, as the KPIs and the score count it (its lot's supplier, else its SKU's)
    select 'Return', returns.returned_on, returns.po_id, returns.sku, returns.quantity, returns.refund_amount,
        format('{:,} × {}: {}', returns.quantity, returns.sku, coalesce(replace(returns.reason, '_', ' '), 'no reason given'))
    from marts.return_costs as returns
    where returns.supplier_id = $supplier_id
)

select * from events where event_on is not null order by event_on, event
