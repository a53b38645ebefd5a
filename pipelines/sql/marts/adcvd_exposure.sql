-- Products whose HS code and country of origin fall under an antidumping or countervailing duty order
-- (reference.adcvd_orders: the HTS numbers the order names, matched as a prefix of the product's code by the
-- hs_under_order macro; the written scope decides), or may (hs_may_be_under_order: a product code of 6 or 8 digits
-- that holds one of the order's longer numbers, code_less_specific): one row per product and goods of an order (its
-- AD and CVD cases together).
-- The cash deposit is set per producer and exporter, so landed cost leaves it out. shipment_count: the product's
-- shipments dated (entered, or shipped before entry) within the order's dates; in_force: an order without an end;
-- row_key: how the warning check landed_cost_adcvd_orders names the row (SKU and cases), for its reviews.
with orders as (
    select
        case_number,
        product,
        origin_country,
        cast(effective_from as date) as effective_from,
        cast(nullif(cast(effective_to as varchar), '') as date) as effective_to,
        hs_codes,
    from reference.adcvd_orders
),

in_scope as (
    select distinct
        products.sku,
        products.supplier_id,
        products.hs_code,
        products.origin_country,
        orders.case_number,
        orders.product,
        orders.effective_from,
        orders.effective_to,
        not hs_under_order(products.hs_digits, orders.hs_codes) as code_less_specific,
    from staging.products as products
    inner join orders
        on products.origin_country = orders.origin_country
        and hs_may_be_under_order(products.hs_digits, orders.hs_codes)
),

final as (
    select
        in_scope.sku,
        in_scope.supplier_id,
        in_scope.hs_code,
        in_scope.origin_country,
        in_scope.product as order_product,
        string_agg(distinct in_scope.case_number, ' and ' order by in_scope.case_number) as cases,
        min(in_scope.effective_from) as order_from,
        bool_or(in_scope.effective_to is null) as in_force,
        bool_and(in_scope.code_less_specific) as code_less_specific,
        count(distinct shipments.shipment_id) as shipment_count,
        coalesce(sum(shipments.goods_value), 0) as goods_value,
    from in_scope
    left join marts.landed_cost_shipment as shipments
        on in_scope.sku = shipments.sku
        and coalesce(shipments.entry_on, shipments.shipped_on)
        between in_scope.effective_from and coalesce(in_scope.effective_to, date '9999-12-31')
    group by in_scope.sku, in_scope.supplier_id, in_scope.hs_code, in_scope.origin_country, in_scope.product
)

select
    *,
    sku || ' ' || cases as row_key,
from final
where shipment_count > 0 or in_force
