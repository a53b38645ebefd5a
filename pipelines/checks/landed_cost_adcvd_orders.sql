-- severity: warn
-- Products whose HS code and country of origin fall under an antidumping or countervailing duty order
-- (reference.adcvd_orders: the order's HTS numbers, which the written scope decides): a cash deposit, set per producer
-- and exporter, is due on goods in the scope and is not in landed cost. Ask your broker for the rate, or keep the
-- reason the goods are outside the written scope.
--
-- For engineers: staging.products (hs_digits, origin_country) against reference.adcvd_orders (hs_codes split on
-- spaces, prefix match), one problem per product and product of an order (its AD and CVD cases together); shipments
-- counted by entry date (the ship date before entry) inside the order's dates. An order still in force is told even
-- before a shipment.
with orders as (
    select
        case_number,
        product,
        origin_country,
        cast(effective_from as date) as effective_from,
        cast(nullif(cast(effective_to as varchar), '') as date) as effective_to,
        regexp_replace(unnest(string_split(hs_codes, ' ')), '[^0-9]', '', 'g') as hs_digits,
    from reference.adcvd_orders
),

in_scope as (
    select distinct
        products.sku,
        products.hs_code,
        products.origin_country,
        orders.case_number,
        orders.product,
        orders.effective_from,
        orders.effective_to,
    from staging.products as products
    inner join orders
        on products.origin_country = orders.origin_country
        and starts_with(products.hs_digits, orders.hs_digits)
),

shipped as (
    select
        in_scope.sku,
        in_scope.hs_code,
        in_scope.origin_country,
        in_scope.product,
        string_agg(distinct in_scope.case_number, ' and ' order by in_scope.case_number) as cases,
        min(in_scope.effective_from) as order_from,
        bool_or(in_scope.effective_to is null) as in_force,
        count(distinct shipments.shipment_id) as shipment_count,
    from in_scope
    left join marts.landed_cost_shipment as shipments
        on in_scope.sku = shipments.sku
        and coalesce(shipments.entry_on, shipments.shipped_on)
        between in_scope.effective_from and coalesce(in_scope.effective_to, date '9999-12-31')
    group by in_scope.sku, in_scope.hs_code, in_scope.origin_country, in_scope.product
)

select
    sku || ' ' || cases as row_key,
    'SKU ' || sku || ' (HS ' || hs_code || ', made in ' || origin_country || ') falls under the AD/CVD order '
    || cases || ' on ' || product || ' from ' || origin_country || ' (from ' || strftime(order_from, '%Y-%m-%d')
    || '): ' || shipment_count || ' shipment' || case when shipment_count = 1 then '' else 's' end
    || ' since; the cash deposit, set per producer and exporter, is not in landed cost' as problem
from shipped
where shipment_count > 0 or in_force
order by sku
