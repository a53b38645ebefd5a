-- Payments, cleaned: one row per payment.
with source as (
    select * from raw.payments
),

final as (
    select
        trim(payment_id) as payment_id,
        trim(po_id) as po_id,
        paid_on,
        amount,
        coalesce(kind, 'other') as kind,
        nullif(trim(payee_name), '') as payee_name,
        channel,
        coalesce(channel, 'other') <> 'trade_assurance' as is_outside_trade_assurance,
    from source
)

select * from final
