-- Suppliers a what-if can move volume to, one row per supplier: country (origin) and the quality cost it measurably causes per unit sold over the last year: its returns' refunds, fees and write-offs per unit sold where returns are recorded (staging.sales.returns_recorded: a channel whose returns were never imported would dilute them), plus its other quality costs and write-offs per unit sold anywhere.
with suppliers as (
    select * from staging.suppliers
),

margin_leakage_wide as (
    select * from marts.margin_leakage_wide
),

sales as (
    select * from staging.sales
),

products as (
    select * from staging.products
),

build_info as (
    select * from ingest.build_info
),

-- The waterfall's steps 4-11 over the window (positive), split: supplier-caused returns (refunds and fees, and the
-- unsellable returned units at landed cost, as the mart prices them) and every other quality cost and write-off.
steps as (
    select
        leakage.supplier_id,
        leakage.units_sold,
        -leakage.refunds_and_return_fees
            + coalesce(cogs_at(leakage.supplier_unsellable_units, leakage.actual_landed_cost_per_unit), 0)
            as return_cost,
        -(leakage.refunds_and_return_fees + leakage.unsellable_write_offs + leakage.quality_costs) as steps_cost,
    from margin_leakage_wide as leakage, build_info
    where leakage.month > build_info.as_of - to_days($window_days::integer)
),

quality as (
    select
        supplier_id,
        sum(units_sold) as units_sold,
        sum(return_cost) as return_cost,
        sum(steps_cost - return_cost) as quality_cost,
    from steps
    group by supplier_id
),

sold_where_returns_recorded as (
    select
        products.supplier_id,
        sum(sales.units_sold) as units_sold,
    from sales
    inner join products on sales.sku = products.sku
    cross join build_info
    where sales.returns_recorded
        and sales.month_on > build_info.as_of - to_days($window_days::integer)
    group by products.supplier_id
),

final as (
    select
        suppliers.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        suppliers.country,
        cast(coalesce(quality.return_cost / nullif(sold_where_returns_recorded.units_sold, 0), 0)
            + quality.quality_cost / nullif(quality.units_sold, 0) as double) as quality_cost_pu,
        cast(coalesce(quality.units_sold, 0) as bigint) as units_sold_12m,
    from suppliers
    left join quality on suppliers.supplier_id = quality.supplier_id
    left join sold_where_returns_recorded on suppliers.supplier_id = sold_where_returns_recorded.supplier_id
    order by suppliers.supplier_name, suppliers.supplier_id
)

select * from final
