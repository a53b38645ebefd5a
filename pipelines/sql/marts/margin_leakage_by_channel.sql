-- The supplier-attributable leakage split by sales channel: one row per supplier, SKU, channel and month (channel
-- NULL = what no sale carries: quality costs, write-offs beyond the unsellable returns, duty refunds, and returns
-- without a channel). Each channel's sales and supplier-caused returns at the supplier-SKU-month's own cost basis
-- (marts.margin_leakage_wide's landed cost per unit), by the money rules of pipelines/sql/macros.sql; the channels of
-- a scope add up to its margin_leakage_wide leakage within a cent (each channel's goods are rounded on their own).
with wide as (
    select * from marts.margin_leakage_wide
),

sales_by_channel as (
    select * from marts.sales_by_channel
),

return_costs as (
    select * from marts.return_costs
),

sold as (
    select
        sales_by_channel.supplier_id,
        sales_by_channel.sku,
        sales_by_channel.channel,
        wide.month,
        sum(sales_by_channel.units_sold) as units_sold,
        sum(sales_by_channel.gross_revenue) as gross_revenue,
        sum(sales_by_channel.marketplace_fees) as marketplace_fees,
        sum(planned_contribution_of(sales_by_channel.gross_revenue,
                                    cogs_at(sales_by_channel.units_sold, wide.quoted_landed_cost_per_unit),
                                    sales_by_channel.marketplace_fees)) as planned_contribution,
        sum(landed_cost_overrun_of(cogs_at(sales_by_channel.units_sold, wide.actual_landed_cost_per_unit),
                                   cogs_at(sales_by_channel.units_sold, wide.quoted_landed_cost_per_unit)))
            as landed_cost_overrun,
    from sales_by_channel
    inner join wide
        on sales_by_channel.supplier_id = wide.supplier_id and sales_by_channel.sku = wide.sku
        and sales_by_channel.month = wide.month
    group by all
),

-- Supplier-caused returns per channel: their refunds and fees, and their unsellable units at the actual landed cost.
returned as (
    select
        return_costs.supplier_id,
        return_costs.sku,
        return_costs.channel,
        wide.month,
        sum(return_costs.return_cost) as refunds_and_return_fees,
        coalesce(cogs_at(sum(return_costs.quantity) filter (where return_costs.is_unsellable),
                         any_value(wide.actual_landed_cost_per_unit)), 0) as unsellable_units_cost,
    from return_costs
    inner join wide
        on return_costs.supplier_id = wide.supplier_id and return_costs.sku = wide.sku
        and return_costs.month = wide.month
    where return_costs.is_supplier_attributable
    group by all
),

-- What no sale carries: quality costs (rework to re-inspection), write-offs beyond the unsellable returns, duty
-- refunds.
unattributed as (
    select
        supplier_id,
        sku,
        cast(null as varchar) as channel,
        month,
        -quality_costs as quality_costs,
        -unsellable_write_offs - cogs_at(supplier_unsellable_units, actual_landed_cost_per_unit) as write_offs,
        duty_refunds_received,
    from wide
),

keys as (
    select supplier_id, sku, channel, month from sold
    union
    select supplier_id, sku, channel, month from returned
    union
    select supplier_id, sku, channel, month from unattributed
),

final as (
    select
        keys.supplier_id,
        keys.sku,
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
    left join sold
        on keys.supplier_id = sold.supplier_id and keys.sku is not distinct from sold.sku
        and keys.channel is not distinct from sold.channel and keys.month = sold.month
    left join returned
        on keys.supplier_id = returned.supplier_id and keys.sku is not distinct from returned.sku
        and keys.channel is not distinct from returned.channel and keys.month = returned.month
    left join unattributed
        on keys.supplier_id = unattributed.supplier_id and keys.sku is not distinct from unattributed.sku
        and keys.channel is not distinct from unattributed.channel and keys.month = unattributed.month
)

select
    *,
    landed_cost_overrun + refunds_and_return_fees + unsellable_write_offs + quality_costs - duty_refunds_received
        as leakage,
from final
