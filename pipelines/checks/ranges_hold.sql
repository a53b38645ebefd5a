-- Quantities, amounts and dates are in range after staging: returns the offending rows.
select 'purchase_orders' as table_name, po_id as row_key, 'quantity or unit_price not positive' as problem
from staging.purchase_orders where quantity <= 0 or unit_price <= 0
union all
select 'shipments', shipment_id, 'delivered before shipped'
from staging.shipments where delivered_on < shipped_on
union all
select 'inspections', inspection_id, 'defects exceed the sample'
from staging.inspections where sample_size is not null
    and greatest(critical_defects, major_defects, minor_defects) > sample_size
union all
select 'supplier_kpis', supplier_id, 'rate outside 0..1'
from marts.supplier_kpis
where on_time_rate not between 0 and 1 or otif_rate not between 0 and 1 or first_pass_rate not between 0 and 1
