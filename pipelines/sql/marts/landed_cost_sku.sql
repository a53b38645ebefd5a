-- Landed cost per SKU and month of delivery, summed over landed purchase orders: one row per SKU, supplier and month.
with landed_cost_po as (
    select * from marts.landed_cost_po
),

landed as (
    select * from landed_cost_po
    where is_landed
),

final as (
    select
        sku,
        supplier_id,
        any_value(supplier_type) as supplier_type,
        any_value(category) as category,
        delivery_month as month,
        count(*) as po_count,
        sum(units_received) as units_received,
        sum(goods_value) as goods_value,
        sum(freight) as freight,
        sum(insurance) as insurance,
        sum(duty) as duty,
        sum(fees) as fees,
        sum(inspection_cost) as inspection_cost,
        sum(landed_total) as landed_total,
        cast(sum(landed_total) / sum(units_received) as decimal(18, 6)) as landed_cost_per_unit,
        cast(sum(quoted_landed_cost_per_unit * units_received) / sum(units_received) as decimal(18, 6))
            as quoted_landed_cost_per_unit,
        cast(sum(landed_total) / sum(units_received)
            - sum(quoted_landed_cost_per_unit * units_received) / sum(units_received) as decimal(18, 6))
            as quote_to_landed_variance,
        (sum(landed_total) / sum(quoted_landed_cost_per_unit * units_received) - 1) * 100
            as quote_to_landed_variance_pct,
    from landed
    group by sku, supplier_id, delivery_month
)

select * from final
