-- Data freshness: rows, and the earliest and latest business date per imported table (one row per table): feeds
-- that start or end months apart (returns imported for a shorter period than the sales) show here side by side.
select 'suppliers' as table_name, count(*) as row_count, min(onboarded_on) as earliest_on,
    max(onboarded_on) as latest_on, 'onboarded_on' as date_column
from staging.suppliers
union all
select 'products', count(*), null::date, null::date, '' from staging.products
union all
select 'purchase_orders', count(*), min(ordered_on), max(ordered_on), 'ordered_on' from staging.purchase_orders
union all
select 'payments', count(*), min(paid_on), max(paid_on), 'paid_on' from staging.payments
union all
select 'inspections', count(*), min(inspected_on), max(inspected_on), 'inspected_on' from staging.inspections
union all
select 'shipments', count(*), min(coalesce(delivered_on, shipped_on)), max(coalesce(delivered_on, shipped_on)),
    'delivered_on / shipped_on'
from staging.shipments
union all
select 'sales', count(*), min(month_on), max(month_on), 'month' from staging.sales
union all
select 'returns', count(*), min(returned_on), max(returned_on), 'returned_on' from staging.returns
union all
select 'quality_costs', count(*), min(incurred_on), max(incurred_on), 'incurred_on' from staging.quality_costs
