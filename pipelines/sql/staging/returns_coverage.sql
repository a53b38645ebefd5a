-- Which sales the returns in the data speak for, so a return rate's denominator holds only units whose returns were
-- imported: one row per sales channel.
-- returns_recorded: some return names the channel, or the returns cannot be told apart by channel (one names no
-- channel, or a channel no sale has: "amazon" beside sales on "amazon_us" could be any channel's), or there is no
-- return at all. A channel with sales and not one return while others have some is one whose returns were never
-- imported (TikTok Shop's, Walmart's and Shopify's exports carry no return reason, so none is written from them).
-- recorded_from / recorded_to: the months the channel's returns cover, when sales run outside them (a returns report
-- pulled for a shorter period than the sales). The returns on record span first_return_month to last_return_month;
-- a sale's return comes up to return_lag_months later (reference.kpi_settings), so the span's sales start that much
-- earlier. Sales months before it (or after it) are left out when the return rate over the span would have brought
-- at least returns_gap_expected_units returned units there and the data has none: a test, not a guess, and a small
-- channel whose first return came late keeps its early months. NULL: nothing left out on that side.
-- pooled: the figures are over every channel together (the returns cannot be told apart by channel).
-- reasons_recorded: the channel's returns say why they came back. Not when at least returns_reasons_missing_units
-- returned units are on record for it and not one names a reason other than 'other' (a returns spreadsheet mapped
-- without its reason column, or with every reason set to 'other'): whether they were defects cannot be told, so its
-- sales leave the return rates rather than read a defect rate of 0. units_without_reason: returned units with no
-- reason at all (blank), also where the reasons are recorded (they count as not caused by the supplier).
with sales as (
    select
        channel_key(channel) as channel,
        cast(month || '-01' as date) as month_on,
        sum(units_sold) as units_sold,
    from raw.sales
    group by all
),

returns as (
    select * from staging.returns
),

settings as (
    select
        cast(max(value) filter (where setting = 'return_lag_months') as integer) as lag_months,
        cast(max(value) filter (where setting = 'returns_gap_expected_units') as double) as gap_units,
        cast(max(value) filter (where setting = 'returns_reasons_missing_units') as double) as reasons_missing_units,
    from reference.kpi_settings
),

sales_channels as (
    select distinct channel from sales
),

pooling as (
    select
        count(*) > 0 as any_returns,
        coalesce(bool_or(returns.channel is null or sales_channels.channel is null), false) as pooled,
        list(distinct returns.channel) filter (where returns.channel is not null) as return_channels,
    from returns
    left join sales_channels on returns.channel = sales_channels.channel
),

-- the returns per scope (a channel, or NULL for every channel together when they are pooled) and the months of sales
-- they speak for: from return_lag_months before the first return's month to the last's
spans as (
    select
        case when pooling.pooled then null else returns.channel end as scope,
        cast(date_trunc('month', min(returns.returned_on)) as date) as first_return_month,
        cast(date_trunc('month', max(returns.returned_on)) as date) as last_return_month,
        cast(date_trunc('month', min(returns.returned_on)) - to_months(any_value(settings.lag_months)) as date)
            as span_from,
        sum(returns.quantity) as returned_units,
        coalesce(sum(returns.quantity) filter (where returns.reason is null), 0) as units_without_reason,
        coalesce(sum(returns.quantity) filter (where returns.reason <> 'other'), 0) as units_with_reason,
        any_value(settings.gap_units) as gap_units,
        any_value(settings.reasons_missing_units) as reasons_missing_units,
    from returns
    cross join pooling
    cross join settings
    group by all
),

scoped_sales as (
    select
        case when pooling.pooled then null else sales.channel end as scope,
        sales.month_on,
        sales.units_sold,
    from sales
    cross join pooling
),

span_sales as (
    select
        spans.*,
        coalesce(sum(scoped_sales.units_sold) filter (
            where scoped_sales.month_on between spans.span_from and spans.last_return_month), 0) as units_in_span,
        coalesce(sum(scoped_sales.units_sold) filter (where scoped_sales.month_on < spans.span_from), 0)
            as units_before,
        coalesce(sum(scoped_sales.units_sold) filter (where scoped_sales.month_on > spans.last_return_month), 0)
            as units_after,
    from spans
    left join scoped_sales on scoped_sales.scope is not distinct from spans.scope
    group by all
),

judged as (
    select
        *,
        returned_units / nullif(units_in_span, 0) as return_rate,
        units_before * returned_units / nullif(units_in_span, 0) as expected_before,
        units_after * returned_units / nullif(units_in_span, 0) as expected_after,
    from span_sales
),

final as (
    select
        sales_channels.channel,
        not pooling.any_returns
            or pooling.pooled
            or coalesce(list_contains(pooling.return_channels, sales_channels.channel), false) as returns_recorded,
        pooling.pooled,
        coalesce(judged.units_with_reason > 0 or judged.returned_units < judged.reasons_missing_units, true)
            as reasons_recorded,
        cast(judged.units_without_reason as bigint) as units_without_reason,
        judged.first_return_month,
        judged.last_return_month,
        cast(judged.returned_units as bigint) as returned_units,
        cast(judged.units_in_span as bigint) as units_in_span,
        judged.return_rate,
        cast(judged.units_before as bigint) as units_before,
        judged.expected_before,
        cast(judged.units_after as bigint) as units_after,
        judged.expected_after,
        case when judged.expected_before >= judged.gap_units then judged.span_from end as recorded_from,
        case when judged.expected_after >= judged.gap_units then judged.last_return_month end as recorded_to,
    from sales_channels
    cross join pooling
    left join judged
        on judged.scope is not distinct from (case when pooling.pooled then null else sales_channels.channel end)
)

select * from final
