-- Sales with their marketplace fees (as reported, else the channel's reference assumption): one row per supplier, SKU, month and sales channel.
with sales as (
    select * from staging.sales
),

products as (
    select * from staging.products
),

marketplace_fees as (
    select * from reference.marketplace_fees
),

final as (
    select
        products.supplier_id,
        sales.sku,
        sales.month_on as month,
        sales.channel,
        cast(sum(sales.units_sold) as bigint) as units_sold,
        -- a return rate's or a return cost per unit's denominator (staging.sales.returns_recorded)
        cast(coalesce(sum(sales.units_sold) filter (where sales.returns_recorded), 0) as bigint)
            as units_sold_returns_recorded,
        sum(cast(sales.gross_revenue as decimal(18, 2))) as gross_revenue,
        sum(coalesce(
            cast(sales.marketplace_fees as decimal(18, 2)),
            round(cast(sales.gross_revenue as decimal(18, 2)) * cast(marketplace_fees.referral_fee_pct as decimal(18, 6)) * 0.01, 2)
                + round(sales.units_sold * cast(marketplace_fees.fulfilment_fee_per_unit as decimal(18, 6)), 2),
            0
        )) as marketplace_fees,
        count(*) filter (where sales.marketplace_fees is null) as sales_rows_with_estimated_fees,
    from sales
    inner join products on sales.sku = products.sku
    left join marketplace_fees on sales.channel = marketplace_fees.channel
    group by all
)

select * from final
