-- marts.inspection_lots for the filtered suppliers, or for one supplier when $supplier_id is given.
select *
from marts.inspection_lots
where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
    and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
