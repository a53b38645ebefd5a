-- Sales, cleaned: one row per SKU, month and channel. returns_recorded: whether the row's returns reach the
-- warehouse, so its units belong in a return rate's denominator (staging.returns_coverage): its channel's returns were
-- imported (channel_returns_recorded), and the month lies within the months they cover. Units whose returns were
-- never imported would only dilute every return rate. returns_left_out says why a row is not (NULL when it is):
-- 'channel' (no return names its channel), 'reasons' (its channel's returns give no reason, so none can be told a
-- defect), 'before' / 'after' (a month before or after its returns' span), 'gap' (a month inside it whose returns
-- were not imported: staging.returns_gaps).
with source as (
    select * from raw.sales
),

coverage as (
    select * from staging.returns_coverage
),

gaps as (
    select * from staging.returns_gaps
),

cleaned as (
    select
        trim(source.sku) as sku,
        source.month,
        cast(source.month || '-01' as date) as month_on,
        channel_key(source.channel) as channel,
        source.units_sold,
        coalesce(source.gross_revenue, 0) as gross_revenue,
        source.marketplace_fees,
    from source
),

final as (
    select
        cleaned.*,
        coverage.returns_recorded as channel_returns_recorded,
        case
            when not coalesce(coverage.returns_recorded, false) then 'channel'
            when not coverage.reasons_recorded then 'reasons'
            when cleaned.month_on < coverage.recorded_from then 'before'
            when cleaned.month_on > coverage.recorded_to then 'after'
            when gaps.channel is not null then 'gap'
        end as returns_left_out,
    from cleaned
    left join coverage on coverage.channel = cleaned.channel
    left join gaps on gaps.channel = cleaned.channel and cleaned.month_on between gaps.gap_from and gaps.gap_to
)

select
    *,
    returns_left_out is null as returns_recorded,
from final
