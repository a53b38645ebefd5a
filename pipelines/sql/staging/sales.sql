-- Sales, cleaned: one row per SKU, month and channel.
with source as (
    select * from raw.sales
),

final as (
    select
        trim(sku) as sku,
        month,
        cast(month || '-01' as date) as month_on,
        lower(trim(channel)) as channel,
        units_sold,
        coalesce(gross_revenue, 0) as gross_revenue,
        marketplace_fees,
    from source
)

select * from final
