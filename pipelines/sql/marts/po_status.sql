-- Delivery, inspection and payment status of each purchase order as of the build date: one row per purchase order.
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

kpi_settings as (
    select * from reference.kpi_settings
),

build_info as (
    select * from ingest.build_info
),

tolerances as (
    select
        cast(max(value) filter (where setting = 'on_time_tolerance_days') as integer) as on_time_days,
        max(value) filter (where setting = 'in_full_tolerance_pct') / 100.0 as in_full_share,
        cast(max(value) filter (where setting = 'late_incident_days') as integer) as late_incident_days,
    from kpi_settings
),

shipped as (
    select
        shipments.po_id,
        min(shipments.shipped_on) as first_shipped_on,
        max(shipments.shipped_on) as last_shipped_on,
        max(shipments.delivered_on) as last_delivered_on,
        sum(shipments.quantity) as shipped_quantity,
        coalesce(sum(shipments.quantity) filter (where shipments.is_delivered), 0) as delivered_quantity,
        sum(shipments.quantity) filter (
            where shipments.shipped_on <= purchase_orders.promised_ship_on + tolerances.on_time_days
        ) as on_time_quantity,
        count(*) as shipment_count,
        sum(shipments.customs_hold_days) as customs_hold_days,
        sum(shipments.doc_errors) as doc_errors,
    from shipments
    inner join purchase_orders on shipments.po_id = purchase_orders.po_id
    cross join tolerances
    group by shipments.po_id
),

psi_ranked as (
    select
        po_id,
        result,
        inspected_on,
        row_number() over (partition by po_id order by inspected_on, inspection_id) as attempt,
    from inspections
    where inspection_type = 'PSI' and result <> 'pending'
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

joined as (
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
        coalesce(shipped.on_time_quantity, 0) as on_time_quantity,
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
        build_info.as_of,
        tolerances.on_time_days,
        tolerances.in_full_share,
        tolerances.late_incident_days,
    from purchase_orders
    left join shipped on purchase_orders.po_id = shipped.po_id
    left join psi on purchase_orders.po_id = psi.po_id
    left join paid on purchase_orders.po_id = paid.po_id
    cross join build_info
    cross join tolerances
),

final as (
    select
        * exclude (as_of, on_time_days, in_full_share, late_incident_days),
        shipped_quantity >= quantity * (1 - in_full_share) as is_shipped_in_full,
        shipped_quantity < quantity * (1 - in_full_share) as is_open,
        -- ordered goods not shipped yet, at the order price: what is still owed to or by the supplier
        case when shipped_quantity < quantity * (1 - in_full_share)
            then greatest(quantity - shipped_quantity, 0) * unit_price else 0 end as unshipped_value,
        -- resolved: it shipped, or its promise (plus tolerance) has passed without a shipment
        promised_ship_on is not null
            and (first_shipped_on is not null or promised_ship_on + on_time_days < as_of) as is_resolved,
        promised_ship_on is not null and first_shipped_on is not null
            and first_shipped_on <= promised_ship_on + on_time_days as is_on_time,
        promised_ship_on is not null
            and on_time_quantity >= quantity * (1 - in_full_share) as is_otif,
        case when promised_ship_on is not null and (first_shipped_on is not null or promised_ship_on < as_of)
            then coalesce(first_shipped_on, as_of) - promised_ship_on end as days_late,
        case when shipped_quantity >= quantity * (1 - in_full_share)
            then last_shipped_on - ordered_on end as lead_time_days,
        promised_ship_on is not null
            and coalesce(first_shipped_on, as_of) - promised_ship_on > late_incident_days as is_late_incident,
        balance_paid_on is not null
            and (psi_passed_on is null or balance_paid_on < psi_passed_on) as is_balance_before_psi_pass,
        case when shipped_quantity = 0 then paid_amount else 0 end as deposit_at_risk,
    from joined
)

select * from final
