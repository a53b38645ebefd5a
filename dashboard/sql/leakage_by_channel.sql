-- Revenue, fees, planned contribution and the supplier-attributable leakage split by sales channel, for the filtered suppliers, one supplier or one SKU, within the chosen months (one row per channel and month; channel null = costs not tied to a sale: quality costs, write-offs, duty refunds and returns without a channel).
with wide as (
    select * from marts.margin_leakage_wide
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
        and ($month_from::date is null or month >= $month_from::date)
        and ($month_to::date is null or month <= $month_to::date)
),

sales_by_channel as (
    select * from marts.sales_by_channel
),

return_costs as (
    select * from marts.return_costs
),

-- Each channel's sales at the supplier-SKU-month's own cost basis (the moving average of landed lots).
sold as (
    select
        sales_by_channel.channel,
        wide.month,
        sum(sales_by_channel.units_sold) as units_sold,
        sum(sales_by_channel.gross_revenue) as gross_revenue,
        sum(sales_by_channel.marketplace_fees) as marketplace_fees,
        sum(sales_by_channel.gross_revenue - sales_by_channel.marketplace_fees
            - round(sales_by_channel.units_sold * wide.quoted_landed_cost_per_unit, 2)) as planned_contribution,
        sum(round(sales_by_channel.units_sold * wide.actual_landed_cost_per_unit, 2)
            - round(sales_by_channel.units_sold * wide.quoted_landed_cost_per_unit, 2)) as landed_cost_overrun,
    from sales_by_channel
    inner join wide
        on sales_by_channel.supplier_id = wide.supplier_id and sales_by_channel.sku = wide.sku
        and sales_by_channel.month = wide.month
    group by all
),

returns_by_channel as (
    select
        return_costs.channel,
        wide.month,
        wide.supplier_id,
        wide.sku,
        wide.actual_landed_cost_per_unit,
        sum(return_costs.return_cost) as return_cost,
        sum(return_costs.quantity) filter (where return_costs.is_unsellable) as unsellable_units,
    from return_costs
    inner join wide
        on return_costs.supplier_id = wide.supplier_id and return_costs.sku = wide.sku
        and return_costs.month = wide.month
    where return_costs.is_supplier_attributable
    group by all
),

returned as (
    select
        channel,
        month,
        sum(return_cost) as refunds_and_return_fees,
        sum(coalesce(round(unsellable_units * actual_landed_cost_per_unit, 2), 0)) as unsellable_units_cost,
    from returns_by_channel
    group by all
),

-- What no sale carries: quality costs (rework to re-inspection), write-offs beyond unsellable returns, duty refunds.
unattributed as (
    select
        cast(null as varchar) as channel,
        month,
        -sum(quality_costs) as quality_costs,
        sum(-unsellable_write_offs - round(supplier_unsellable_units * actual_landed_cost_per_unit, 2))
            as write_offs,
        sum(duty_refunds_received) as duty_refunds_received,
    from wide
    group by all
),

keys as (
    select channel, month from sold
    union
    select channel, month from returned
    union
    select channel, month from unattributed
),

final as (
    select
        keys.channel,
        keys.month,
        cast(coalesce(sold.units_sold, 0) as bigint) as units_sold,
        cast(coalesce(sold.gross_revenue, 0) as double) as gross_revenue,
        cast(coalesce(sold.marketplace_fees, 0) as double) as marketplace_fees,
        cast(coalesce(sold.planned_contribution, 0) as double) as planned_contribution,
        cast(coalesce(sold.landed_cost_overrun, 0) as double) as landed_cost_overrun,
        cast(coalesce(returned.refunds_and_return_fees, 0) as double) as refunds_and_return_fees,
        cast(coalesce(returned.unsellable_units_cost, 0) + coalesce(unattributed.write_offs, 0) as double)
            as unsellable_write_offs,
        cast(coalesce(unattributed.quality_costs, 0) as double) as quality_costs,
        cast(coalesce(unattributed.duty_refunds_received, 0) as double) as duty_refunds_received,
    from keys
    left join sold on keys.channel is not distinct from sold.channel and keys.month = sold.month
    left join returned on keys.channel is not distinct from returned.channel and keys.month = returned.month
    left join unattributed
        on keys.channel is not distinct from unattributed.channel and keys.month = unattributed.month
)

select
    *,
    landed_cost_overrun + refunds_and_return_fees + unsellable_write_offs + quality_costs - duty_refunds_received
        as leakage,
from final
order by channel nulls last, month
