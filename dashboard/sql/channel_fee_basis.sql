-- Where each sales channel's marketplace fees come from, for the filtered suppliers, one supplier or one SKU within the chosen months: sales rows whose fees were reported (a settlement or payment report, or the sales file) and rows estimated from reference.marketplace_fees (marts.sales_by_channel's rule). One row per channel.
with products as (
    select * from staging.products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

sales as (
    select sales.*
    from staging.sales as sales
    inner join products on sales.sku = products.sku
    where ($month_from::date is null or sales.month_on >= $month_from::date)
        and ($month_to::date is null or sales.month_on <= $month_to::date)
)

select
    channel,
    count(*) as sales_rows,
    count(marketplace_fees) as reported_rows,
    count(*) - count(marketplace_fees) as estimated_rows,
from sales
group by channel
order by channel
