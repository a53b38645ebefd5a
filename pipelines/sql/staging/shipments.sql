-- Shipments, cleaned: one row per shipment.
with source as (
    select * from raw.shipments
),

final as (
    select
        trim(shipment_id) as shipment_id,
        trim(po_id) as po_id,
        mode,  -- NULL when unknown: no ocean-only fee (HMF) is assumed
        shipped_on,
        eta_on,
        delivered_on,
        delivered_on is not null as is_delivered,
        delivered_on - shipped_on as transit_days,
        quantity,
        coalesce(freight_cost, 0) as freight_cost,
        coalesce(insurance_cost, 0) as insurance_cost,
        coalesce(invoice_freight, 0) as invoice_freight,
        coalesce(invoice_insurance, 0) as invoice_insurance,
        duty_paid,
        other_fees,  -- NULL when not given: landed cost then takes the entry summary's or the computed MPF/HMF
        coalesce(customs_hold_days, 0) as customs_hold_days,
        coalesce(doc_errors, 0) as doc_errors,
        nullif(trim(entry_number), '') as entry_number,
        entry_on,
        documents_received_on,
    from source
)

select * from final
