-- The suppliers in the filter (or one supplier) that are one legal entity with another supplier, with that other
-- supplier and what they share (marts.supplier_same_entity): one row per supplier and other supplier.
select same.supplier_id, suppliers.supplier_name, same.other_supplier_id, same.other_supplier_name, same.shared,
    same.shared_value,
from marts.supplier_same_entity as same
inner join staging.suppliers as suppliers on suppliers.supplier_id = same.supplier_id
where ($ids::varchar[] is null or list_contains($ids::varchar[], same.supplier_id))
    and ($supplier_id::varchar is null or same.supplier_id = $supplier_id::varchar)
order by same.supplier_id, same.other_supplier_id
