-- The AD/CVD orders the What-if's SKUs fall under on the costing date ($costing_on), at their own origin and at the
-- origin volume would move to ($origin: the target supplier's country; NULL without a move), by the rule that flags
-- them in marts.adcvd_exposure (hs_may_be_under_order; code_less_specific: the product's code holds the order's longer
-- numbers, hs_under_order not met). One row per SKU, origin and goods of an order, its cases together.
with orders as (
    select
        case_number,
        product,
        origin_country,
        hs_codes,
        cast(effective_from as date) as effective_from,
        cast(nullif(cast(effective_to as varchar), '') as date) as effective_to,
    from reference.adcvd_orders
),

products as (
    select
        sku,
        hs_digits,
        origin_country,
    from staging.products
    where list_contains($skus::varchar[], sku)
)

select
    products.sku,
    orders.origin_country,
    orders.product as order_product,
    orders.origin_country = products.origin_country as is_own_origin,
    string_agg(orders.case_number, ' and ' order by orders.case_number) as cases,
    bool_and(not hs_under_order(products.hs_digits, orders.hs_codes)) as code_less_specific,
from products
inner join orders
    on (orders.origin_country = products.origin_country or orders.origin_country = $origin::varchar)
    and hs_may_be_under_order(products.hs_digits, orders.hs_codes)
    and orders.effective_from <= $costing_on::date
    and (orders.effective_to is null or orders.effective_to >= $costing_on::date)
group by products.sku, orders.origin_country, products.origin_country, orders.product
order by products.sku, is_own_origin desc, orders.origin_country
