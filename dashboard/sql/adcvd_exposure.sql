-- Products in scope that fall under an AD/CVD order (marts.adcvd_exposure): one row per product and goods of an
-- order, the most goods value first.
select
    sku,
    supplier_id,
    hs_code,
    origin_country,
    order_product,
    cases,
    order_from,
    in_force,
    shipment_count,
    goods_value,
from marts.adcvd_exposure
where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
    and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
    and ($sku::varchar is null or sku = $sku::varchar)
order by goods_value desc, sku
