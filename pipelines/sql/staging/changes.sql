-- Documented changes, cleaned: one row per change a supplier made or announced.
with source as (
    select * from raw.changes
),

final as (
    select
        trim(change_id) as change_id,
        trim(supplier_id) as supplier_id,
        nullif(trim(po_id), '') as po_id,
        changed_on,
        kind,
        coalesce(confirmed_in_writing, false) as is_confirmed_in_writing,
        nullif(trim(approved_by), '') as approved_by,
        nullif(trim(note), '') as note,
    from source
)

select * from final
