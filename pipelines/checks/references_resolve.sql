-- Every reference between tables resolves: returns the orphan rows (a reference to a table the import had no file
-- for is not checked: pipelines/validate.py keeps such rows with a notice).
select 'products.supplier_id' as reference, sku as row_key, supplier_id as missing
from staging.products where supplier_id not in (select supplier_id from staging.suppliers)
union all
select 'purchase_orders.supplier_id', po_id, supplier_id
from staging.purchase_orders where supplier_id not in (select supplier_id from staging.suppliers)
union all
select 'purchase_orders.sku', po_id, sku
from staging.purchase_orders where sku not in (select sku from staging.products)
union all
select 'payments.po_id', payment_id, po_id
from staging.payments where po_id not in (select po_id from staging.purchase_orders)
union all
select 'inspections.po_id', inspection_id, po_id
from staging.inspections where po_id not in (select po_id from staging.purchase_orders)
union all
select 'shipments.po_id', shipment_id, po_id
from staging.shipments where po_id not in (select po_id from staging.purchase_orders)
union all
select 'returns.po_id', return_id, po_id
from staging.returns where po_id is not null and po_id not in (select po_id from staging.purchase_orders)
union all
select 'bank_accounts.supplier_id', bank_account_id, supplier_id
from staging.bank_accounts where supplier_id not in (select supplier_id from staging.suppliers)
union all
select 'payments.bank_account_id', payment_id, bank_account_id
from staging.payments
where bank_account_id is not null and bank_account_id not in (select bank_account_id from staging.bank_accounts)
    -- without a bank-accounts file the reference cannot be checked: the import kept the rows and said so
    and exists (select 1 from ingest.load_log where table_name = 'bank_accounts' and coalesce(file, '') <> '')
union all
select 'changes.supplier_id', change_id, supplier_id
from staging.changes where supplier_id not in (select supplier_id from staging.suppliers)
union all
select 'changes.po_id', change_id, po_id
from staging.changes where po_id is not null and po_id not in (select po_id from staging.purchase_orders)
union all
select 'corrective_actions.supplier_id', capa_id, supplier_id
from staging.corrective_actions where supplier_id not in (select supplier_id from staging.suppliers)
union all
select 'corrective_actions.po_id', capa_id, po_id
from staging.corrective_actions where po_id is not null and po_id not in (select po_id from staging.purchase_orders)
