-- Suppliers a what-if can move volume to, one row per supplier: country (origin) and the quality cost it measurably causes per unit sold over the last year: its supplier-caused returns per unit sold where returns are recorded, its other quality costs and write-offs per unit sold (the per_unit_sold_of macro, pipelines/sql/macros.sql).
with suppliers as (
    select * from staging.suppliers
),

margin_leakage_wide as (
    select * from marts.margin_leakage_wide
),

build_info as (
    select * from ingest.build_info
),

-- The waterfall's steps 4-11 over the window (positive): supplier-caused returns, write-offs and quality costs.
quality as (
    select
        leakage.supplier_id,
        sum(leakage.units_sold) as units_sold,
        sum(leakage.units_sold_returns_recorded) as units_sold_returns_recorded,
        -sum(leakage.refunds_and_return_fees + leakage.unsellable_write_offs + leakage.quality_costs) as quality_cost,
        sum(leakage.supplier_returns_cost) as returns_cost,
    from margin_leakage_wide as leakage, build_info
    where leakage.month > build_info.as_of - to_days($window_days::integer)
    group by leakage.supplier_id
),

final as (
    select
        suppliers.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        suppliers.country,
        cast(per_unit_sold_of(quality.quality_cost, quality.returns_cost, quality.units_sold,
                              quality.units_sold_returns_recorded) as double) as quality_cost_pu,
        cast(coalesce(quality.units_sold, 0) as bigint) as units_sold_12m,
    from suppliers
    left join quality on suppliers.supplier_id = quality.supplier_id
    order by suppliers.supplier_name, suppliers.supplier_id
)

select * from final
