-- marts.inspection_blind_spot restricted to the suppliers passing the shared filters.
select *
from marts.inspection_blind_spot
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
