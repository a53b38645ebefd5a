-- Landed cost per supplier and month of delivery, summed over landed purchase orders: one row per supplier and month.
with landed_cost_po as (
    select * from marts.landed_cost_po
),

landed as (
    select * from landed_cost_po
    where is_landed
),

final as (
    select
        supplier_id,
        any_value(supplier_type) as supplier_type,
        delivery_month as month,
        count(*) as po_count,
        count(distinct sku) as sku_count,
        sum(units_received) as units_received,
        sum(goods_value) as goods_value,
        sum(freight) as freight,
        sum(insurance) as insurance,
        sum(duty) as duty,
        sum(fees) as fees,
        sum(inspection_cost) as inspection_cost,
        sum(landed_total) as landed_total,
        sum(quoted_landed_cost_per_unit * units_received) as quoted_landed_total,
        sum(landed_total) - sum(quoted_landed_cost_per_unit * units_received) as quote_to_landed_variance,
        (sum(landed_total) / sum(quoted_landed_cost_per_unit * units_received) - 1) * 100
            as quote_to_landed_variance_pct,
        count(*) filter (where duty_status in ('overpaid', 'underpaid')) as duty_mismatch_po_count,
    from landed
    group by supplier_id, delivery_month
)

select * from final
