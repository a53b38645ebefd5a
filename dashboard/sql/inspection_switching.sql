-- ISO 2859-1 switching state per filtered supplier and defect class (one row per supplier and class).
with switching as (
    select * from marts.inspection_switching
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

suppliers as (
    select * from staging.suppliers
)

select
    suppliers.supplier_name,
    suppliers.supplier_type,
    switching.*,
from switching
left join suppliers on switching.supplier_id = suppliers.supplier_id
order by
    case switching.current_stage when 'discontinued' then 0 when 'tightened' then 1 when 'normal' then 2 else 3 end,
    suppliers.supplier_name, switching.defect_class
