-- Sales, cleaned: one row per SKU, month and channel. returns_recorded: whether the row's returns reach the
-- warehouse, so its units belong in a return rate's denominator (staging.returns_coverage): its channel's returns were
-- imported (channel_returns_recorded), and the month lies within the months they cover. Units whose returns were
-- never imported would only dilute every return rate.
with source as (
    select * from raw.sales
),

coverage as (
    select * from staging.returns_coverage
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
        coverage.returns_recorded
            and cleaned.month_on >= coalesce(coverage.recorded_from, date '0001-01-01')
            and cleaned.month_on <= coalesce(coverage.recorded_to, date '9999-12-01')
            as returns_recorded,
    from cleaned
    left join coverage on coverage.channel = cleaned.channel
)

select * from final
