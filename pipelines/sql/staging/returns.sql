-- Customer returns, cleaned: one row per return.
with source as (
    select * from raw.returns
),

final as (
    select
        trim(return_id) as return_id,
        trim(sku) as sku,
        nullif(trim(po_id), '') as po_id,
        returned_on,
        quantity,
        reason,
        channel_key(channel) as channel,
        coalesce(refund_amount, 0) as refund_amount,
        coalesce(disposition, 'sellable') as disposition,
        coalesce(disposition, 'sellable') = 'unsellable' as is_unsellable,
    from source
)

select * from final
