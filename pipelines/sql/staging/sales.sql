-- Sales, cleaned: one row per SKU, month and channel. returns_recorded: whether the channel's returns reach the
-- warehouse at all, so its units belong in a return rate's denominator. A channel with sales and not one return while
-- other channels have some is taken as one whose returns were never imported (TikTok Shop's, Walmart's and Shopify's
-- exports carry no return reason, so none is written from them); its units would only dilute every return rate.
-- Every channel counts when there is no return at all, or when a return names no channel or one no sale names
-- ("amazon" beside sales on "amazon_us"): such a return could be any channel's, and leaving channels out on a
-- spelling would inflate every rate.
with source as (
    select * from raw.sales
),

returns as (
    select * from staging.returns
),

sales_channels as (
    select distinct lower(trim(channel)) as channel from source
),

return_channels as (
    select
        count(*) as returns,
        count(*) filter (where returns.channel is null or sales_channels.channel is null) as returns_without_channel,
        list(distinct returns.channel) filter (where returns.channel is not null) as channels,
    from returns
    left join sales_channels on returns.channel = sales_channels.channel
),

final as (
    select
        trim(source.sku) as sku,
        source.month,
        cast(source.month || '-01' as date) as month_on,
        lower(trim(source.channel)) as channel,
        source.units_sold,
        coalesce(source.gross_revenue, 0) as gross_revenue,
        source.marketplace_fees,
        return_channels.returns = 0
            or return_channels.returns_without_channel > 0
            or coalesce(list_contains(return_channels.channels, lower(trim(source.channel))), false)
            as returns_recorded,
    from source
    cross join return_channels
)

select * from final
