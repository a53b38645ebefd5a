-- Assists (moulds, tooling the brand provided to a supplier), cleaned: one row per assist.
with source as (
    select * from raw.assists
),

final as (
    select
        trim(assist_id) as assist_id,
        trim(sku) as sku,
        nullif(trim(supplier_id), '') as supplier_id,
        coalesce(nullif(lower(trim(kind)), ''), 'other') as kind,
        description,
        cost,
        provided_on,
        units_declared,
    from source
)

select * from final
