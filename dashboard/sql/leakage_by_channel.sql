-- Revenue, fees, planned contribution and the supplier-attributable leakage split by sales channel, for the filtered suppliers, one supplier or one SKU, within the chosen months (one row per channel and month; channel null = costs not tied to a sale: quality costs, write-offs, duty refunds and returns without a channel). The money rules are marts.margin_leakage_by_channel's; this only sums its rows.
with by_channel as (
    select * from marts.margin_leakage_by_channel
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
        and ($month_from::date is null or month >= $month_from::date)
        and ($month_to::date is null or month <= $month_to::date)
)

select
    channel,
    month,
    cast(sum(units_sold) as bigint) as units_sold,
    sum(gross_revenue) as gross_revenue,
    sum(marketplace_fees) as marketplace_fees,
    sum(planned_contribution) as planned_contribution,
    sum(landed_cost_overrun) as landed_cost_overrun,
    sum(refunds_and_return_fees) as refunds_and_return_fees,
    sum(unsellable_write_offs) as unsellable_write_offs,
    sum(quality_costs) as quality_costs,
    sum(duty_refunds_received) as duty_refunds_received,
    sum(leakage) as leakage,
from by_channel
group by channel, month
order by channel nulls last, month
