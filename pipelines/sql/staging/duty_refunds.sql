-- Duty refunds claimed per customs entry or shipment, cleaned: one row per refund.
with source as (
    select * from raw.duty_refunds
),

final as (
    select
        trim(refund_id) as refund_id,
        nullif(trim(entry_number), '') as entry_number,
        nullif(trim(shipment_id), '') as shipment_id,
        coalesce(nullif(lower(trim(program)), ''), 'other') as program,
        claimed_on,
        amount_claimed,
        received_on,
        amount_received,
        note,
    from source
)

select * from final
