-- Inspection marts hold together: one row per lot, escapes only on passed mature lots, money only on escapes, probabilities in [0, 1].
with lots as (
    select * from marts.inspection_lots
),

suppliers as (
    select * from marts.inspection_blind_spot
),

duplicate_lots as (
    select po_id, 'po_id appears more than once' as problem
    from lots
    group by po_id
    having count(*) > 1
),

bad_lots as (
    select
        po_id,
        case
            when is_escape and not (passed_psi and is_mature) then 'escape on a lot that failed PSI or is not mature'
            when not is_escape and escaped_value <> 0 then 'escaped value on a lot that did not escape'
            when escaped_value < 0 then 'negative escaped value'
            when p_accept_at_estimate not between 0 and 1 then 'p_accept_at_estimate outside [0, 1]'
            when field_defect_rate < 0 then 'negative field defect rate'
        end as problem,
    from lots
),

bad_suppliers as (
    select
        supplier_id as po_id,
        case
            when escapes > mature_passed_lots then 'more escapes than mature passed lots'
            -- The estimate is the posterior mean: for a skewed Beta it may legitimately lie outside the
            -- equal-tailed interval, so only the interval's order and the range are checked.
            when not (0 <= defect_rate_lower and defect_rate_lower <= defect_rate_upper and defect_rate_upper <= 1)
                then 'defect rate interval not ordered within [0, 1]'
            when defect_rate_estimate not between 0 and 1 then 'defect rate estimate outside [0, 1]'
            when p_accept_current_plan not between 0 and 1 then 'p_accept_current_plan outside [0, 1]'
        end as problem,
    from suppliers
),

final as (
    select * from duplicate_lots
    union all
    select * from bad_lots where problem is not null
    union all
    select * from bad_suppliers where problem is not null
)

select * from final
