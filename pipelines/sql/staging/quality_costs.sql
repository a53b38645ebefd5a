-- Costs of poor quality, cleaned: one row per cost.
with source as (
    select * from raw.quality_costs
),

final as (
    select
        trim(cost_id) as cost_id,
        nullif(trim(po_id), '') as po_id,
        nullif(trim(supplier_id), '') as supplier_id,
        incurred_on,
        kind,
        amount,
        note,
    from source
)

select * from final
