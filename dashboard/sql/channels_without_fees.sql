-- Sales channels of the filtered suppliers, one supplier or one SKU that reference.marketplace_fees has no row for: their sales without reported fees count no marketplace fee (marts.sales_by_channel) and their returns no return-processing fee (marts.return_costs). One row per such channel, most revenue first.
with fee_channels as (
    select channel from reference.marketplace_fees
),

products as (
    select * from staging.products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

sales as (
    select sales.channel, count(*) as sales_rows, sum(sales.gross_revenue) as revenue
    from staging.sales as sales
    inner join products on sales.sku = products.sku
    where sales.marketplace_fees is null
        and sales.channel not in (select channel from fee_channels)
    group by sales.channel
),

returns as (
    select returns.channel, count(*) as returns, sum(returns.quantity) as units_returned
    from marts.return_costs as returns
    inner join products on returns.sku = products.sku
    where returns.channel is not null
        and returns.channel not in (select channel from fee_channels)
    group by returns.channel
)

select
    coalesce(sales.channel, returns.channel) as channel,
    coalesce(sales.sales_rows, 0) as sales_rows,
    coalesce(sales.revenue, 0) as revenue,
    coalesce(returns.returns, 0) as returns,
    coalesce(returns.units_returned, 0) as units_returned,
from sales
full join returns on sales.channel = returns.channel
order by revenue desc, channel
