-- The re-audit queue's reasons one a row (marts.reaudit_reasons), for the suppliers passing the shared filters or
-- one supplier, in each supplier's order.
select supplier_id, reason_no, trigger, finding
from marts.reaudit_reasons
where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
    and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
order by supplier_id, reason_no
