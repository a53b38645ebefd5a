-- Customer returns with the supplier they count against, their cost (refund plus the channel's return-processing fee) and what their reason says (supplier-caused, defect-coded): one row per return.
with returns as (
    select * from staging.returns
),

products as (
    select * from staging.products
),

purchase_orders as (
    select * from staging.purchase_orders
),

return_reasons as (
    select * from reference.return_reasons
),

marketplace_fees as (
    select * from reference.marketplace_fees
),

final as (
    select
        returns.return_id,
        -- the one place a return is attributed: to the supplier of its lot (PO) when traceable, else of its SKU
        coalesce(purchase_orders.supplier_id, products.supplier_id) as supplier_id,
        returns.sku,
        returns.po_id,
        returns.returned_on,
        cast(date_trunc('month', returns.returned_on) as date) as month,
        returns.channel,
        returns.reason,
        returns.quantity,
        returns.is_unsellable,
        -- what the reason says (reference.return_reasons; a reason it does not list says neither)
        coalesce(return_reasons.is_supplier_attributable, false) as is_supplier_attributable,
        coalesce(return_reasons.is_defect_coded, false) as is_defect_coded,
        returns.refund_amount,
        cast(returns.refund_amount as decimal(18, 2))
            + round(returns.quantity * cast(coalesce(marketplace_fees.return_processing_fee_per_unit, 0) as decimal(18, 6)), 2)
            as return_cost,
    from returns
    inner join products on returns.sku = products.sku
    left join purchase_orders on returns.po_id = purchase_orders.po_id
    left join return_reasons on returns.reason = return_reasons.reason
    left join marketplace_fees on returns.channel = marketplace_fees.channel
)

select * from final
