-- Planned and realised contribution and the supplier-attributable leakage per month (of sale, return or cost) for the filtered suppliers, one supplier or one SKU, within the chosen months (one row per month).
with wide as (
    select * from marts.margin_leakage_wide
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
        and ($month_from::date is null or month >= $month_from::date)
        and ($month_to::date is null or month <= $month_to::date)
),

final as (
    select
        month,
        cast(sum(planned_contribution) as double) as planned_contribution,
        cast(sum(realised_contribution) as double) as realised_contribution,
        cast(sum(supplier_leakage) as double) as leakage,
    from wide
    group by month
)

select * from final
order by month
