-- Landed-cost components of the landed purchase orders of the filtered suppliers, one supplier or one SKU, delivered within the chosen months (one row).
with landed as (
    select
        *,
        -- each order's landed cost over its quote, the variance split by where the quote's logistics came from
        landed_total - quoted_landed_cost_per_unit * units_received as order_variance,
    from marts.landed_cost_po
    where is_landed
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
        and ($month_from::date is null or delivery_month >= $month_from::date)
        and ($month_to::date is null or delivery_month <= $month_to::date)
)

select
    count(*) as po_count,
    cast(sum(units_received) as bigint) as units_received,
    cast(sum(goods_value) as double) as goods_value,
    cast(sum(freight) as double) as freight,
    cast(sum(insurance) as double) as insurance,
    cast(sum(duty) as double) as duty,
    -- the AD/CVD cash deposits the broker declared, inside duty, and those the quote planned at the rate the SKU's
    -- earlier entries declared
    cast(coalesce(sum(adcvd_entry_summary), 0) as double) as adcvd_deposits,
    cast(coalesce(sum(expected_deposit_per_unit * units_received), 0) as double) as planned_deposits,
    cast(sum(fees) as double) as fees,
    cast(sum(inspection_cost) as double) as inspection_cost,
    cast(sum(landed_total) as double) as landed_total,
    cast(sum(quoted_landed_cost_per_unit * units_received) as double) as quoted_total,
    cast(sum(landed_total) - sum(quoted_landed_cost_per_unit * units_received) as double) as quote_to_landed_variance,
    -- where the quote's logistics came from (marts.landed_cost_po.expected_logistics_basis), with each part's variance
    count(*) filter (where expected_logistics_basis = 'sku_history') as planned_from_sku,
    count(*) filter (where expected_logistics_basis = 'supplier_history') as planned_from_supplier,
    count(*) filter (where expected_logistics_basis = 'none') as planned_without_history,
    cast(coalesce(sum(order_variance) filter (where expected_logistics_basis = 'sku_history'), 0) as double)
        as variance_from_sku,
    cast(coalesce(sum(order_variance) filter (where expected_logistics_basis = 'supplier_history'), 0) as double)
        as variance_from_supplier,
    cast(coalesce(sum(order_variance) filter (where expected_logistics_basis = 'none'), 0) as double)
        as variance_without_history,
from landed
