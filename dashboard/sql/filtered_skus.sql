-- SKUs of the filtered suppliers, limited to the chosen categories when any (one row per SKU), for SKU pickers.
with products as (
    select * from staging.products
),

final as (
    select
        sku,
        product_name,
        category,
        supplier_id,
    from products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($categories::varchar[] is null or list_contains($categories::varchar[], category))
)

select * from final order by sku
