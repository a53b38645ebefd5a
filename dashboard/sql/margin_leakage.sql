-- marts.margin_leakage restricted to the suppliers passing the shared filters.
select *
from marts.margin_leakage
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
