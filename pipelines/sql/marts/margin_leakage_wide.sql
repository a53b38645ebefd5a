-- Margin-leakage waterfall, wide: planned to realised contribution per supplier, SKU and month (of sale, return or cost); one row per supplier, SKU and month.
with sales_by_channel as (
    select * from marts.sales_by_channel
),

return_costs as (
    select * from marts.return_costs
),

suppliers as (
    select * from staging.suppliers
),

products as (
    select * from staging.products
),

landed_cost_po as (
    select * from marts.landed_cost_po
),

quality_costs as (
    select * from marts.margin_leakage_quality_costs
),

cost_kinds as (
    select * from reference.cost_kinds
),

duty_refunds as (
    select * from marts.duty_refunds
),

-- Sales and their fees summed over channels (fees as reported, else the channel's reference assumption).
sold as (
    select
        supplier_id,
        sku,
        month,
        sum(units_sold) as units_sold,
        sum(units_sold_returns_recorded) as units_sold_returns_recorded,
        sum(gross_revenue) as gross_revenue,
        sum(marketplace_fees) as marketplace_fees,
        cast(sum(sales_rows_with_estimated_fees) as bigint) as sales_rows_with_estimated_fees,
    from sales_by_channel
    group by all
),

returned as (
    select * from return_costs
),

-- Duty paid back (e.g. IEEPA refunds) in the month it was received: leakage recovered.
refunded as (
    select
        supplier_id,
        sku,
        cast(date_trunc('month', received_on) as date) as month,
        sum(amount_received) as duty_refunds_received,
    from duty_refunds
    where received_on is not null and amount_received is not null
    group by all
),

scopes as (
    select supplier_id, sku, month from sold
    union
    select supplier_id, sku, month from returned
    union
    select supplier_id, sku, month from quality_costs
    union
    select supplier_id, sku, month from refunded
),

lots as (
    select
        sku,
        last_delivered_on,
        landed_total,
        units_received,
        quoted_landed_cost_per_unit * units_received as quoted_total,
    from landed_cost_po
    where is_landed
),

-- Weighted-average cost of the lots landed by the end of the month (the inventory's moving average).
moving_cost as (
    select
        scopes.sku,
        scopes.month,
        sum(lots.landed_total) / sum(lots.units_received) as actual_per_unit,
        sum(lots.quoted_total) / sum(lots.units_received) as quoted_per_unit,
    from (select distinct sku, month from scopes) as scopes
    inner join lots on scopes.sku = lots.sku and lots.last_delivered_on < scopes.month + interval 1 month
    group by all
),

-- Sold before any lot of the window landed (stock bought earlier): the average of all the SKU's lots.
all_lots_cost as (
    select
        sku,
        sum(landed_total) / sum(units_received) as actual_per_unit,
        sum(quoted_total) / sum(units_received) as quoted_per_unit,
    from lots
    group by sku
),

-- No lot landed at all: the quote is both plan and actual (no overrun can be shown).
quote_only_cost as (
    select
        sku,
        sum(quoted_landed_cost_per_unit * quantity) / sum(quantity) as quoted_per_unit,
    from landed_cost_po
    group by sku
),

costed as (
    select
        scopes.supplier_id,
        scopes.sku,
        scopes.month,
        case
            when moving_cost.sku is not null then 'moving_average'
            when all_lots_cost.sku is not null then 'later_lots'
            when quote_only_cost.sku is not null then 'quote_only'
            else 'none'
        end as cost_basis,
        cast(round(coalesce(moving_cost.quoted_per_unit, all_lots_cost.quoted_per_unit,
            quote_only_cost.quoted_per_unit), 6) as decimal(18, 6)) as quoted_landed_cost_per_unit,
        cast(round(coalesce(moving_cost.actual_per_unit, all_lots_cost.actual_per_unit,
            quote_only_cost.quoted_per_unit), 6) as decimal(18, 6)) as actual_landed_cost_per_unit,
    from scopes
    left join moving_cost on scopes.sku = moving_cost.sku and scopes.month = moving_cost.month
    left join all_lots_cost on scopes.sku = all_lots_cost.sku
    left join quote_only_cost on scopes.sku = quote_only_cost.sku
),

returns_by_scope as (
    select
        returned.supplier_id,
        returned.sku,
        returned.month,
        sum(returned.quantity) as units_returned,
        coalesce(sum(returned.quantity) filter (where returned.is_supplier_attributable), 0)
            as supplier_units_returned,
        coalesce(sum(returned.return_cost) filter (where returned.is_supplier_attributable), 0)
            as supplier_return_cost,
        coalesce(sum(returned.quantity) filter (where returned.is_supplier_attributable and returned.is_unsellable), 0)
            as supplier_unsellable_units,
        coalesce(sum(returned.return_cost
            + case when returned.is_unsellable
                then cogs_at(returned.quantity, costed.actual_landed_cost_per_unit) else 0 end)
            filter (where not returned.is_supplier_attributable), 0) as non_supplier_returns,
    from returned
    inner join costed
        on returned.supplier_id = costed.supplier_id and returned.sku = costed.sku and returned.month = costed.month
    group by all
),

-- The kinds of reference.cost_kinds (data/reference/cost_kinds.csv, the one list): the quality kinds summed, the
-- write-off kind apart (it joins the write-off step).
quality_by_scope as (
    select
        quality_costs.supplier_id,
        quality_costs.sku,
        quality_costs.month,
        coalesce(sum(quality_costs.amount) filter (where cost_kinds.is_quality), 0) as quality,
        coalesce(sum(quality_costs.amount) filter (where not cost_kinds.is_quality), 0) as write_off,
    from quality_costs
    inner join cost_kinds on quality_costs.kind = cost_kinds.kind
    group by all
),

-- One leakage step (negative) per quality kind of reference.cost_kinds, in waterfall order: a column per kind, 0 where
-- a scope has no cost of it.
quality_steps as (
    pivot (
        select
            quality_costs.supplier_id,
            quality_costs.sku,
            quality_costs.month,
            quality_costs.kind,
            -quality_costs.amount as amount,
        from quality_costs
        inner join cost_kinds on quality_costs.kind = cost_kinds.kind
        where cost_kinds.is_quality
    )
    on kind in (select kind from reference.cost_kinds where is_quality order by waterfall_order)
    using sum(amount)
    group by supplier_id, sku, month
),

joined as (
    select
        costed.*,
        cast(coalesce(sold.units_sold, 0) as bigint) as units_sold,
        cast(coalesce(sold.units_sold_returns_recorded, 0) as bigint) as units_sold_returns_recorded,
        coalesce(sold.gross_revenue, 0) as gross_revenue,
        coalesce(sold.marketplace_fees, 0) as marketplace_fees,
        coalesce(sold.sales_rows_with_estimated_fees, 0) as sales_rows_with_estimated_fees,
        cast(coalesce(returns_by_scope.units_returned, 0) as bigint) as units_returned,
        cast(coalesce(returns_by_scope.supplier_units_returned, 0) as bigint) as supplier_units_returned,
        coalesce(returns_by_scope.supplier_return_cost, 0) as supplier_return_cost,
        cast(coalesce(returns_by_scope.supplier_unsellable_units, 0) as bigint)
            as supplier_unsellable_units,
        coalesce(returns_by_scope.non_supplier_returns, 0) as non_supplier_returns,
        coalesce(quality_by_scope.quality, 0) as quality_cost,
        coalesce(quality_by_scope.write_off, 0) as write_off_cost,
        coalesce(refunded.duty_refunds_received, 0) as duty_refunds_received_amount,
    from costed
    left join sold
        on costed.supplier_id = sold.supplier_id and costed.sku = sold.sku and costed.month = sold.month
    left join returns_by_scope
        on costed.supplier_id = returns_by_scope.supplier_id and costed.sku = returns_by_scope.sku
        and costed.month = returns_by_scope.month
    left join quality_by_scope
        on costed.supplier_id = quality_by_scope.supplier_id
        and costed.sku is not distinct from quality_by_scope.sku and costed.month = quality_by_scope.month
    left join refunded
        on costed.supplier_id = refunded.supplier_id and costed.sku = refunded.sku and costed.month = refunded.month
),

-- Cost of goods at quoted and actual landed cost, rounded to cents once on the total (as the reference does).
cogs as (
    select
        *,
        cogs_at(units_sold, quoted_landed_cost_per_unit) as quoted_cogs,
        cogs_at(units_sold, actual_landed_cost_per_unit) as actual_cogs,
        cogs_at(supplier_unsellable_units, actual_landed_cost_per_unit) as unsellable_cost,
    from joined
),

steps as (
    select
        *,
        planned_contribution_of(gross_revenue, quoted_cogs, marketplace_fees) as planned_contribution,
        -landed_cost_overrun_of(actual_cogs, quoted_cogs) as landed_cost_overrun,
        duty_refunds_received_amount as duty_refunds_received,
        -supplier_return_cost as refunds_and_return_fees,
        -(unsellable_cost + write_off_cost) as unsellable_write_offs,
        -quality_cost as quality_costs,
    from cogs
),

final as (
    select
        steps.supplier_id,
        suppliers.supplier_type,
        steps.sku,
        products.category,
        steps.month,
        steps.cost_basis,
        steps.units_sold,
        steps.gross_revenue,
        steps.marketplace_fees,
        steps.sales_rows_with_estimated_fees,
        steps.quoted_landed_cost_per_unit,
        steps.actual_landed_cost_per_unit,
        steps.quoted_cogs,
        steps.actual_cogs,
        steps.units_returned,
        steps.supplier_units_returned,
        steps.supplier_unsellable_units,
        steps.units_sold_returns_recorded,
        -- the supplier-caused returns' part of the steps (refunds and fees, unsellable units at landed cost;
        -- positive): a per-unit figure divides it by units_sold_returns_recorded, the rest by units_sold
        -- (per_unit_sold_of)
        steps.supplier_return_cost + coalesce(steps.unsellable_cost, 0) as supplier_returns_cost,
        steps.planned_contribution,
        steps.landed_cost_overrun,
        steps.duty_refunds_received,
        steps.refunds_and_return_fees,
        steps.unsellable_write_offs,
        coalesce(columns(quality_steps.* exclude (supplier_id, sku, month)), 0),
        steps.planned_contribution + steps.landed_cost_overrun + steps.duty_refunds_received
            + steps.refunds_and_return_fees + steps.unsellable_write_offs + steps.quality_costs
            as realised_contribution,
        steps.non_supplier_returns,
        steps.quality_costs,
    from steps
    left join suppliers on steps.supplier_id = suppliers.supplier_id
    left join products on steps.sku = products.sku
    left join quality_steps
        on steps.supplier_id = quality_steps.supplier_id
        and steps.sku is not distinct from quality_steps.sku and steps.month = quality_steps.month
)

select
    * exclude (quality_costs),
    planned_contribution - realised_contribution as supplier_leakage,
    realised_contribution - non_supplier_returns as realised_after_all_returns,
    -- the quality steps summed (every quality kind, whichever the list holds): what a page totals
    quality_costs,
from final
