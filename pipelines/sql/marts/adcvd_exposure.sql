-- Products whose HS code and country of origin fall under an antidumping or countervailing duty order
-- (reference.adcvd_orders: the HTS numbers the order names, matched as a prefix of the product's code by the
-- hs_under_order macro; the written scope decides), or may (hs_may_be_under_order: a product code of 6 or 8 digits
-- that holds one of the order's longer numbers, code_less_specific): one row per product and goods of an order (its
-- AD and CVD cases together).
-- The cash deposit is set per producer and exporter, so landed cost has it only where the broker declared it on an
-- entry summary. shipment_count: the product's shipments dated (entered, or shipped before entry) within the order's
-- dates; deposit_shipment_count / deposits_declared: those of them whose entry summary declares an AD/CVD deposit
-- (marts.landed_cost_shipment.adcvd_entry_summary, in their landed cost) and its sum; in_force: an order without an
-- end;
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

per_goods as (
    -- the product's AD and CVD cases on the same goods as one row, before its shipments are joined (so each is
    -- counted once)
    select
        sku,
        supplier_id,
        hs_code,
        origin_country,
        product as order_product,
        string_agg(distinct case_number, ' and ' order by case_number) as cases,
        min(effective_from) as order_from,
        max(coalesce(effective_to, date '9999-12-31')) as order_to,
        bool_or(effective_to is null) as in_force,
        bool_and(code_less_specific) as code_less_specific,
    from in_scope
    group by sku, supplier_id, hs_code, origin_country, product
),

final as (
    select
        per_goods.sku,
        per_goods.supplier_id,
        per_goods.hs_code,
        per_goods.origin_country,
        per_goods.order_product,
        per_goods.cases,
        per_goods.order_from,
        per_goods.in_force,
        per_goods.code_less_specific,
        count(shipments.shipment_id) as shipment_count,
        coalesce(sum(shipments.goods_value), 0) as goods_value,
        count(shipments.adcvd_entry_summary) as deposit_shipment_count,
        coalesce(sum(shipments.adcvd_entry_summary), 0) as deposits_declared,
    from per_goods
    left join marts.landed_cost_shipment as shipments
        on per_goods.sku = shipments.sku
        and coalesce(shipments.entry_on, shipments.shipped_on) between per_goods.order_from and per_goods.order_to
    group by all
)

select
    *,
    sku || ' ' || cases as row_key,
from final
where shipment_count > 0 or in_force
