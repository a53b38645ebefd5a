-- Duty refunds of the shipments in scope by program: claimed, received and still pending (one row per program).
with refunds as (
    select * from marts.duty_refunds
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

final as (
    select
        program,
        count(distinct refund_id) as refund_count,
        cast(coalesce(sum(amount_claimed), 0) as double) as claimed,
        cast(coalesce(sum(amount_received), 0) as double) as received,
        cast(coalesce(sum(amount_claimed) filter (where received_on is null), 0) as double) as pending,
    from refunds
    group by program
    order by claimed desc, program
)

select * from final
