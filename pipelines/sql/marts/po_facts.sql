-- What happened to each purchase order by the build date (shipments, pre-shipment inspections, payments), before any judgement (marts.po_status judges it with models/po_status.py): one row per purchase order.
with purchase_orders as (
    select * from staging.purchase_orders
),

shipments as (
    select * from staging.shipments
),

inspections as (
    select * from staging.inspections
),

payments as (
    select * from staging.payments
),

shipped as (
    select
        shipments.po_id,
        min(shipments.shipped_on) as first_shipped_on,
        max(shipments.shipped_on) as last_shipped_on,
        max(shipments.delivered_on) as last_delivered_on,
        sum(shipments.quantity) as shipped_quantity,
        coalesce(sum(shipments.quantity) filter (where shipments.is_delivered), 0) as delivered_quantity,
        count(*) as shipment_count,
        sum(shipments.customs_hold_days) as customs_hold_days,
        sum(shipments.doc_errors) as doc_errors,
    from shipments
    group by shipments.po_id
),

psi_ranked as (
    select
        po_id,
        result,
        inspected_on,
        row_number() over (partition by po_id order by inspected_on, inspection_id) as attempt,
    from inspections
    where is_decided_psi
),

psi as (
    select
        po_id,
        count(*) as psi_count,
        max(case when attempt = 1 then result end) as first_psi_result,
        min(inspected_on) filter (where result = 'pass') as psi_passed_on,
        bool_or(result = 'fail') as has_failed_psi,
    from psi_ranked
    group by po_id
),

paid as (
    select
        po_id,
        sum(amount) as paid_amount,
        coalesce(sum(amount) filter (where kind = 'deposit'), 0) as deposit_amount,
        coalesce(sum(amount) filter (where kind = 'balance'), 0) as balance_amount,
        min(paid_on) filter (where kind = 'balance') as balance_paid_on,
        bool_or(is_outside_trade_assurance) as has_payment_outside_trade_assurance,
    from payments
    group by po_id
),

final as (
    select
        purchase_orders.po_id,
        purchase_orders.supplier_id,
        purchase_orders.sku,
        purchase_orders.ordered_on,
        purchase_orders.promised_ship_on,
        purchase_orders.quantity,
        purchase_orders.unit_price,
        purchase_orders.order_value,
        shipped.first_shipped_on,
        shipped.last_shipped_on,
        shipped.last_delivered_on,
        coalesce(shipped.shipped_quantity, 0) as shipped_quantity,
        coalesce(shipped.delivered_quantity, 0) as delivered_quantity,
        coalesce(shipped.shipment_count, 0) as shipment_count,
        coalesce(shipped.customs_hold_days, 0) as customs_hold_days,
        coalesce(shipped.doc_errors, 0) as doc_errors,
        coalesce(psi.psi_count, 0) as psi_count,
        psi.first_psi_result,
        psi.psi_passed_on,
        coalesce(psi.has_failed_psi, false) as has_failed_psi,
        coalesce(paid.paid_amount, 0) as paid_amount,
        coalesce(paid.deposit_amount, 0) as deposit_amount,
        coalesce(paid.balance_amount, 0) as balance_amount,
        paid.balance_paid_on,
        coalesce(paid.has_payment_outside_trade_assurance, false) as has_payment_outside_trade_assurance,
    from purchase_orders
    left join shipped on purchase_orders.po_id = shipped.po_id
    left join psi on purchase_orders.po_id = psi.po_id
    left join paid on purchase_orders.po_id = paid.po_id
)

select * from final
