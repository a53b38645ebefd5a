-- Products in scope whose HS code of 6 or 8 digits is shorter than rows the duty table prices apart (the warning
-- check landed_cost_codes_less_specific, ingest.check_warning_rows: its row_key is the SKU), not marked reviewed on
-- the Data page; one row per product with the check's words. Scoped by suppliers, one supplier, one SKU or a list
-- of SKUs (the What-if's).
select
    warned.row_key as sku,
    warned.problem,
from ingest.check_warning_rows as warned
inner join staging.products as products on warned.row_key = products.sku
where warned.check_name = 'landed_cost_codes_less_specific'
    and warned.reviewed_on is null
    and ($ids::varchar[] is null or list_contains($ids::varchar[], products.supplier_id))
    and ($supplier_id::varchar is null or products.supplier_id = $supplier_id::varchar)
    and ($sku::varchar is null or products.sku = $sku::varchar)
    and ($skus::varchar[] is null or list_contains($skus::varchar[], products.sku))
order by warned.row_no
