-- Margin-leakage waterfall, long: one row per supplier, SKU, month and step (planned → leakage steps → realised).
with margin_leakage_wide as (
    select * from marts.margin_leakage_wide
),

quality_costs as (
    select * from marts.margin_leakage_quality_costs
),

cost_kinds as (
    select * from reference.cost_kinds
),

-- The steps that are no kind of quality cost; the quality steps go between the write-offs and realised.
fixed_steps as (
    unpivot margin_leakage_wide
    on planned_contribution, landed_cost_overrun, duty_refunds_received, refunds_and_return_fees,
        unsellable_write_offs, realised_contribution
    into name step value amount
),

quality_kinds as (
    select
        kind,
        waterfall_order,
    from cost_kinds
    where is_quality
),

quality_by_kind as (
    select
        supplier_id,
        sku,
        month,
        kind,
        sum(amount) as amount,
    from quality_costs
    group by all
),

-- Every quality kind of reference.cost_kinds is a step of every scope (0 without such a cost), as the wide mart's
-- column of that kind.
quality_steps as (
    select
        margin_leakage_wide.supplier_id,
        margin_leakage_wide.supplier_type,
        margin_leakage_wide.sku,
        margin_leakage_wide.category,
        margin_leakage_wide.month,
        quality_kinds.kind as step,
        cast(5 + quality_kinds.waterfall_order as integer) as step_order,
        cast(-coalesce(quality_by_kind.amount, 0) as decimal(38, 2)) as amount,
    from margin_leakage_wide
    cross join quality_kinds
    left join quality_by_kind
        on margin_leakage_wide.supplier_id = quality_by_kind.supplier_id
        and margin_leakage_wide.sku is not distinct from quality_by_kind.sku
        and margin_leakage_wide.month = quality_by_kind.month
        and quality_kinds.kind = quality_by_kind.kind
),

fixed_steps_ordered as (
    select
        supplier_id,
        supplier_type,
        sku,
        category,
        month,
        step,
        cast(case step
            when 'planned_contribution' then 1
            when 'landed_cost_overrun' then 2
            when 'duty_refunds_received' then 3
            when 'refunds_and_return_fees' then 4
            when 'unsellable_write_offs' then 5
            when 'realised_contribution' then 6 + (select count(*) from quality_kinds)
        end as integer) as step_order,
        amount,
    from fixed_steps
),

final as (
    select * from fixed_steps_ordered
    union all by name
    select * from quality_steps
)

select * from final
