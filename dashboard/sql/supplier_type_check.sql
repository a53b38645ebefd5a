-- Trader-or-factory check of one supplier (marts.supplier_type_check): one row.
select * from marts.supplier_type_check where supplier_id = $supplier_id
