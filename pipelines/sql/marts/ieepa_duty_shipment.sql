-- The IEEPA duty paid on each shipment, to claim back after Learning Resources v. Trump: one row per shipment.
-- Where the shipment's entry summary was imported, what it declares under IEEPA headings (the duty deposited; none
-- declared is 0: an exempt good), split over the entry's shipments by their computed IEEPA duty (by dutiable value
-- when the tables compute none on the entry, evenly when neither is known); otherwise the tables' IEEPA duty
-- (marts.landed_cost_shipment.ieepa_duty_computed). A share is not rounded, so an entry's shares add up to what it
-- declared.
with shipments as (
    select * from marts.landed_cost_shipment
),

lines as (
    select * from staging.entry_summary_lines
),

-- every entry with an imported summary, and the IEEPA duty it declares
declared as (
    select
        entry_ref_of(entry_number) as entry_ref,
        coalesce(sum(duty) filter (where duty_program = 'ieepa'), 0) as ieepa_duty_declared,
    from lines
    group by entry_ref_of(entry_number)
),

weighted as (
    select
        shipments.shipment_id,
        shipments.po_id,
        shipments.supplier_id,
        shipments.sku,
        shipments.entry_ref,
        shipments.entry_on,
        shipments.ieepa_duty_computed,
        declared.ieepa_duty_declared as entry_ieepa_duty_declared,
        coalesce(shipments.ieepa_duty_computed, 0) as by_ieepa,
        coalesce(shipments.dutiable_value, 0) as by_value,
        sum(coalesce(shipments.ieepa_duty_computed, 0)) over (partition by shipments.entry_ref) as entry_by_ieepa,
        sum(coalesce(shipments.dutiable_value, 0)) over (partition by shipments.entry_ref) as entry_by_value,
        count(*) over (partition by shipments.entry_ref) as entry_shipments,
    from shipments
    left join declared on shipments.entry_ref = declared.entry_ref
),

final as (
    select
        shipment_id,
        po_id,
        supplier_id,
        sku,
        entry_ref,
        entry_on,
        ieepa_duty_computed,
        cast(
            case
                when entry_ieepa_duty_declared is null then null
                when entry_by_ieepa > 0 then entry_ieepa_duty_declared * by_ieepa / entry_by_ieepa
                when entry_by_value > 0 then entry_ieepa_duty_declared * by_value / entry_by_value
                else entry_ieepa_duty_declared / entry_shipments
            end as double
        ) as ieepa_duty_declared,
        case when entry_ieepa_duty_declared is null then 'computed' else 'entry_summary' end as ieepa_duty_source,
    from weighted
)

select
    *,
    -- what can be claimed back: the entry summary's, else the tables'
    coalesce(ieepa_duty_declared, cast(ieepa_duty_computed as double)) as ieepa_duty,
from final
