-- Freight paid per unit by SKU and transport mode over all shipments (one row per SKU and mode): what a what-if's mode change costs.
with shipments as (
    select * from marts.landed_cost_shipment
),

final as (
    select
        sku,
        mode,
        cast(sum(freight) / nullif(sum(quantity), 0) as double) as freight_pu,
        cast(sum(quantity) as bigint) as units,
    from shipments
    where mode is not null
        and ($skus::varchar[] is null or list_contains($skus::varchar[], sku))
    group by sku, mode
    order by sku, mode
)

select * from final
