-- Every purchase order and payment in another currency found its month's rate in reference.fx_rates
-- (validation rejects the rows without one, so a row here means the two lookups disagree): returns the rows
-- whose amount could not be converted to the reporting currency.
select 'purchase_orders' as table_name, po_id as row_id, currency, ordered_on as on_date
from staging.purchase_orders
where fx_units_per_usd is null
union all
select 'payments', payment_id, currency, paid_on
from staging.payments
where fx_units_per_usd is null
