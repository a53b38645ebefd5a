-- The sales the return rates leave out, for the filtered suppliers, one supplier or one SKU (all months, as the score reads them): units on channels no return in the data names (staging.sales.returns_recorded), whose returns were never imported. One row per such channel, most units first.
with products as (
    select * from staging.products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
)

select
    sales.channel,
    cast(sum(sales.units_sold) as bigint) as units_sold,
from staging.sales as sales
inner join products on sales.sku = products.sku
where not sales.returns_recorded
group by sales.channel
order by units_sold desc, sales.channel
