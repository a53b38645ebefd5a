-- SKUs of the filtered suppliers (one row per SKU), for the SKU pickers.
select sku, product_name, category, supplier_id
from staging.products
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
order by sku
