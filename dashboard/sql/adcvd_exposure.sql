-- Products in scope that fall under an AD/CVD order (marts.adcvd_exposure): one row per product and goods of an
-- order, the most goods value first, with whether the founder marked the warning's row reviewed on the Data page
-- (ingest.check_warning_rows: the goods found outside the order's written scope, with who and why).
with reviews as (
    select
        row_key,
        reviewed_on,
        reviewed_by,
        review_note,
    from ingest.check_warning_rows
    where check_name = 'landed_cost_adcvd_orders'
)

select
    exposure.sku,
    exposure.supplier_id,
    exposure.hs_code,
    exposure.origin_country,
    exposure.order_product,
    exposure.cases,
    exposure.order_from,
    exposure.in_force,
    exposure.code_less_specific,
    exposure.shipment_count,
    exposure.goods_value,
    exposure.deposit_shipment_count,
    exposure.deposits_declared,
    reviews.reviewed_on is not null as reviewed,
    reviews.reviewed_by,
    reviews.review_note,
from marts.adcvd_exposure as exposure
left join reviews on exposure.row_key = reviews.row_key
where ($ids::varchar[] is null or list_contains($ids::varchar[], exposure.supplier_id))
    and ($supplier_id::varchar is null or exposure.supplier_id = $supplier_id::varchar)
    and ($sku::varchar is null or exposure.sku = $sku::varchar)
order by exposure.goods_value desc, exposure.sku
