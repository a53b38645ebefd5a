-- What each sales channel's figures rest on, for the filtered suppliers, one supplier or one SKU within the chosen months: sales rows whose marketplace fees were reported (a settlement or payment report, or the sales file) and rows estimated from reference.marketplace_fees (marts.sales_by_channel's rule), the channel's returns in scope and months, and whether any return in the data names the channel at all (staging.sales.channel_returns_recorded: none means none imported, e.g. TikTok Shop's and Walmart's exports carry no return reason, and return rates leave its units out), whether its returns give reasons, and the chosen months its returns on record do not cover (staging.sales.returns_left_out). One row per channel with sales.
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
),

returns as (
    select returns.channel, count(*) as returns
    from marts.return_costs as returns
    inner join products on returns.sku = products.sku
    where ($month_from::date is null or returns.month >= $month_from::date)
        and ($month_to::date is null or returns.month <= $month_to::date)
    group by returns.channel
),

by_channel as (
    select
        channel,
        count(*) as sales_rows,
        count(marketplace_fees) as reported_rows,
        count(*) - count(marketplace_fees) as estimated_rows,
        bool_and(channel_returns_recorded) as returns_recorded,
        -- whether the channel's returns give reasons (staging.returns_coverage.reasons_recorded)
        not coalesce(bool_or(returns_left_out = 'reasons'), false) as reasons_recorded,
        -- months of a channel with returns that its returns on record do not cover (staging.returns_coverage and
        -- staging.returns_gaps), in order
        list_sort(list(distinct month_on) filter (where returns_left_out in ('before', 'after', 'gap')))
            as uncovered_months,
    from sales
    group by channel
)

select
    by_channel.*,
    coalesce(returns.returns, 0) as returns,
from by_channel
left join returns on by_channel.channel = returns.channel
order by by_channel.channel
