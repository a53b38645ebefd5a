-- severity: warn
-- Money is summed as one currency (USD by default): returns purchase orders in any other currency.
select po_id, currency from staging.purchase_orders where currency <> 'USD'
