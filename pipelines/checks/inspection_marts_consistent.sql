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
            when not (defect_rate_lower <= defect_rate_estimate and defect_rate_estimate <= defect_rate_upper)
                then 'defect rate estimate outside its interval'
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
