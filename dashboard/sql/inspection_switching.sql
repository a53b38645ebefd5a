-- marts.inspection_switching restricted to the suppliers passing the shared filters.
select *
from marts.inspection_switching
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
