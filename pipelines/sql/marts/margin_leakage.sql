-- Margin-leakage waterfall, long: one row per supplier, SKU, month and step (planned → leakage steps → realised).
with margin_leakage_wide as (
    select * from marts.margin_leakage_wide
),

unpivoted as (
    unpivot margin_leakage_wide
    on planned_contribution, landed_cost_overrun, duty_refunds_received, refunds_and_return_fees,
        unsellable_write_offs, rework, relabel, chargeback, expedite_freight, sorting, reinspection,
        realised_contribution
    into name step value amount
),

final as (
    select
        supplier_id,
        supplier_type,
        sku,
        category,
        month,
        step,
        case step
            when 'planned_contribution' then 1
            when 'landed_cost_overrun' then 2
            when 'duty_refunds_received' then 3
            when 'refunds_and_return_fees' then 4
            when 'unsellable_write_offs' then 5
            when 'rework' then 6
            when 'relabel' then 7
            when 'chargeback' then 8
            when 'expedite_freight' then 9
            when 'sorting' then 10
            when 'reinspection' then 11
            when 'realised_contribution' then 12
        end as step_order,
        amount,
    from unpivoted
)

select * from final
