-- Costs of poor quality with the supplier they are charged to and the SKU of their lot: one row per cost.
with quality_costs as (
    select * from staging.quality_costs
),

purchase_orders as (
    select * from staging.purchase_orders
),

final as (
    select
        quality_costs.cost_id,
        -- the one place a cost is attributed: to the supplier it names, else to the supplier of its PO
        coalesce(quality_costs.supplier_id, purchase_orders.supplier_id) as supplier_id,
        quality_costs.po_id,
        purchase_orders.sku,
        quality_costs.incurred_on,
        cast(date_trunc('month', quality_costs.incurred_on) as date) as month,
        quality_costs.kind,
        quality_costs.amount,
        quality_costs.note,
    from quality_costs
    left join purchase_orders on quality_costs.po_id = purchase_orders.po_id
)

select * from final
