-- Open orders of the filtered suppliers with their balance-release verdict (one row per open purchase order).
with open_orders as (
    select * from marts.open_orders
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

suppliers as (
    select * from staging.suppliers
),

final as (
    select
        open_orders.*,
        suppliers.supplier_name,
    from open_orders
    inner join suppliers on open_orders.supplier_id = suppliers.supplier_id
    where $supplier_id::varchar is null or open_orders.supplier_id = $supplier_id::varchar
)

select * from final order by balance_due_on nulls last, po_id
