-- One supplier's documented changes (spec, material, price, lead time, bank details, ...), newest first (one row per
-- change); models.release.change_problems says which are not confirmed in writing or not approved.
with changes as (
    select * from staging.changes where supplier_id = $supplier_id
),

final as (
    select
        change_id,
        po_id,
        changed_on,
        kind,
        is_confirmed_in_writing,
        approved_by,
        note,
    from changes
)

select * from final order by changed_on desc, change_id
