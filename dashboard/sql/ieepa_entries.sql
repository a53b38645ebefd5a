-- IEEPA duty declared on the imported entry summaries of the entries in scope, with the refunds recorded (one row
-- per entry).
with entries as (
    select * from marts.ieepa_entries
),

in_scope as (
    select entry_ref from entries_in_scope($ids, $supplier_id, $sku)
),

final as (
    select
        entries.entry_number,
        entries.entry_on,
        cast(entries.ieepa_duty_declared as double) as ieepa_duty_declared,
        entries.ieepa_headings,
        entries.shipment_count,
        cast(entries.refund_claimed as double) as refund_claimed,
        cast(entries.refund_received as double) as refund_received,
        entries.refund_status,
        cast(entries.ieepa_duty_not_refunded as double) as ieepa_duty_not_refunded,
        entries.claim_window,
        entries.claim_by,
        entries.liquidated_on,
        entries.liquidation_status,
        entries.cape_phase_1_by,
        entries.protest_by,
        entries.cape_entry_number,
        entries.cape_declaration,
    from entries
    -- An entry summary whose entry number no shipment carries is shown only when nothing is filtered.
    where entries.entry_ref in (select entry_ref from in_scope)
        or (entries.shipment_count = 0 and $ids::varchar[] is null and $supplier_id::varchar is null
            and $sku::varchar is null)
    -- what is still to come back first, the window closing soonest first, then the most money
    order by entries.ieepa_duty_not_refunded > 0 desc, entries.claim_by nulls last,
        entries.ieepa_duty_not_refunded desc, entries.entry_on, entries.entry_number
)

select * from final
