-- marts.reaudit_queue restricted to the suppliers passing the shared filters.
select *
from marts.reaudit_queue
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
