-- Every staging table's key is present and unique: returns the offending keys.
select 'suppliers' as table_name, supplier_id as key_value, count(*) as n from staging.suppliers group by 2 having count(*) > 1 or supplier_id is null
union all
select 'products', sku, count(*) from staging.products group by 2 having count(*) > 1 or sku is null
union all
select 'purchase_orders', po_id, count(*) from staging.purchase_orders group by 2 having count(*) > 1 or po_id is null
union all
select 'payments', payment_id, count(*) from staging.payments group by 2 having count(*) > 1 or payment_id is null
union all
select 'inspections', inspection_id, count(*) from staging.inspections group by 2 having count(*) > 1 or inspection_id is null
union all
select 'shipments', shipment_id, count(*) from staging.shipments group by 2 having count(*) > 1 or shipment_id is null
union all
select 'sales', concat_ws('/', sku, month, channel), count(*) from staging.sales group by sku, month, channel
having count(*) > 1 or sku is null or month is null or channel is null
union all
select 'returns', return_id, count(*) from staging.returns group by 2 having count(*) > 1 or return_id is null
union all
select 'quality_costs', cost_id, count(*) from staging.quality_costs group by 2 having count(*) > 1 or cost_id is null
union all
select 'bank_accounts', bank_account_id, count(*) from staging.bank_accounts group by 2 having count(*) > 1 or bank_account_id is null
union all
select 'changes', change_id, count(*) from staging.changes group by 2 having count(*) > 1 or change_id is null
union all
select 'corrective_actions', capa_id, count(*) from staging.corrective_actions group by 2 having count(*) > 1 or capa_id is null
