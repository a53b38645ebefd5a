-- Purchase orders, cleaned: one row per purchase order line.
with source as (
    select * from raw.purchase_orders
),

final as (
    select
        trim(po_id) as po_id,
        trim(supplier_id) as supplier_id,
        trim(sku) as sku,
        ordered_on,
        quantity,
        unit_price,
        quantity * unit_price as order_value,
        upper(coalesce(nullif(trim(currency), ''), 'USD')) as currency,
        coalesce(incoterm, 'FOB') as incoterm,
        promised_ship_on,
        sample_approved_on,
        nullif(trim(pi_entity_name), '') as pi_entity_name,
        payment_channel,
    from source
)

select * from final
