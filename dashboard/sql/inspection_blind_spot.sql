-- Inspection blind spot per filtered supplier: escapes, escaped money, defect-rate estimate and recommended plan (one row per supplier).
with blind_spot as (
    select * from marts.inspection_blind_spot
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

suppliers as (
    select * from staging.suppliers
)

select
    suppliers.supplier_name,
    suppliers.supplier_type,
    blind_spot.*,
from blind_spot
left join suppliers on blind_spot.supplier_id = suppliers.supplier_id
order by blind_spot.escaped_value desc nulls last, blind_spot.escape_rate desc nulls last, blind_spot.supplier_id
