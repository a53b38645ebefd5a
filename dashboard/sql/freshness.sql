-- Data freshness: rows and the latest business date per imported table (one row per table).
select 'suppliers' as table_name, count(*) as row_count, max(onboarded_on) as latest_on,
    'onboarded_on' as date_column
from staging.suppliers
union all
select 'products', count(*), null::date, '' from staging.products
union all
select 'purchase_orders', count(*), max(ordered_on), 'ordered_on' from staging.purchase_orders
union all
select 'payments', count(*), max(paid_on), 'paid_on' from staging.payments
union all
select 'inspections', count(*), max(inspected_on), 'inspected_on' from staging.inspections
union all
select 'shipments', count(*), max(coalesce(delivered_on, shipped_on)), 'delivered_on / shipped_on' from staging.shipments
union all
select 'sales', count(*), max(month_on), 'month' from staging.sales
union all
select 'returns', count(*), max(returned_on), 'returned_on' from staging.returns
union all
select 'quality_costs', count(*), max(incurred_on), 'incurred_on' from staging.quality_costs
